"""The store layer: every SQL statement of the server, grouped by table family.

Services call named functions (``store.attachments.complete(conn, sha256)``); each takes its
connection as its first argument and never opens or commits a transaction (the caller's edge
does: ``server.api.deps.ReadConn``, ``server.db.tx``, or a CLI command's ``write_tx``).
No ``select(``, ``insert(``, ``update(``, ``delete(`` or ``text(`` lives outside this package,
``server/db/`` and ``server/migrations/`` (``tests/test_invariants.py`` checks it).

Modules, one per table family:

- :mod:`~server.store.units`: ``units``, ``unit_closure`` — import, a unit in a caller's scope,
  children, names, communes. Scope is a join on the closure table, never a list of codes.
- :mod:`~server.store.records`: ``records`` — a push's reads and writes, pull's pages, the
  exports' streams, the staff pages' lists and records, the demo's look-ups.
- :mod:`~server.store.changes`: ``changes`` — the log, the idempotency memory of a push, a
  record's history.
- :mod:`~server.store.conflicts`: ``conflicts`` — kept by a push, read and resolved by reviewers.
- :mod:`~server.store.meta`: ``server_meta`` — the cursor key.
- :mod:`~server.store.attachments`: ``attachments``, ``attachment_uploads``,
  ``attachment_uploaders``, ``evidence_files`` — uploads, who may see a file, the file an
  evidence record names.
- :mod:`~server.store.users`: ``users``, ``user_units``, ``devices``, ``tokens``,
  ``device_users``, ``login_failures``.
- :mod:`~server.store.plans`: ``plans``, ``plan_reports``.
- :mod:`~server.store.forms`: ``published_forms`` — versions published as XLSForms, and who sees
  them.
- :mod:`~server.store.facts`: ``record_facts``, ``unit_tallies`` — the figures reports aggregate,
  kept in the push transaction (their keys: :mod:`~server.store.fact_keys`; the adding upsert:
  :mod:`~server.store.tally_sql`).
- :mod:`~server.store.reform`: the 2025 reform's tables (``units_before_2025``, what it moved
  and chose) and its batch moves of records, users, plans and reports;
  :mod:`~server.store.reform_plans`: plans and reports made before it, with their old units.
- :mod:`~server.store.periods`: ``period_tallies`` and the facts' placement — a plan's summary
  and a commune's, kept in the same transaction.
"""

from server.store import (
    attachments,
    changes,
    conflicts,
    facts,
    forms,
    meta,
    plans,
    records,
    reform,
    reform_plans,
    units,
    users,
)

__all__ = [
    "attachments",
    "changes",
    "conflicts",
    "facts",
    "forms",
    "meta",
    "plans",
    "records",
    "reform",
    "reform_plans",
    "units",
    "users",
]
