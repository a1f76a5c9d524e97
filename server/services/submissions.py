"""A commune's report against a plan (SYNC.md "Plans and commune reports"): its figures, the
commune's summary for the plan (``services.reports``), frozen at the instant it is submitted.

Apart from ``services.plans`` because a plan's summary shows each commune's latest report: the
summary reads plans, plans never read the summary, and this module joins the two.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from server import store
from server.services import plans, reports
from server.services.auth import Principal

__all__ = ["submit_report"]


def submit_report(
    conn: Connection, principal: Principal, plan_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    """A new version of a report (``data``: ``unit``, ``comment``, ``kind``, ``organization``),
    with the summary it shows now (a write transaction). A member organization's report freezes
    the summary of the plan's unit, whose own records are the organizations' at that level."""
    plan, report = plans.check_report(conn, principal, plan_id, data)
    store.facts.catch_up(conn)  # the figures frozen include every push answered before
    figures = reports.summary(conn, principal, report["unit"], plan["plan_id"])
    return plans.add_report(conn, principal, plan, report, figures)
