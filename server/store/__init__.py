"""The store layer: every SQL statement of the server, grouped by table family.

Functions take their connection as the first argument and never open or commit a transaction.
Issue 10 adds :mod:`~server.store.plans` (``plans``, ``plan_reports``) and
:mod:`~server.store.facts` (``record_facts``, ``unit_tallies``: the figures reports aggregate);
:mod:`~server.store.units` holds the unit lookups they need (scope as a join on ``unit_closure``).
"""
