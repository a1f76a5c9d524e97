"""Plans and commune reports made before the 2025 reform (``server/services/plans_before.py``):
their old units (``plan_units_before_2025``, ``report_units_before_2025``) and the legacy communes
the reform kept (``units_before_2025``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, or_, select

from server.db.schema import (
    plan_reports,
    plan_units_before_2025,
    report_units_before_2025,
    units_before_2025,
)
from server.store.driver import chunks

__all__ = ["legacy_communes_under", "plan_before", "plan_reports_before", "reports_before"]


def plan_before(conn: Connection, plan_id: str) -> str | None:
    """The legacy unit of a plan issued before the reform, else None."""
    q = select(plan_units_before_2025.c.unit_before_2025).where(
        plan_units_before_2025.c.plan_id == plan_id
    )
    return conn.execute(q).scalar()


def reports_before(conn: Connection, report_ids: Iterable[str]) -> dict[str, str]:
    """``report_id → old commune`` of reports made before the reform."""
    out: dict[str, str] = {}
    q = select(report_units_before_2025)
    for part in chunks(report_ids):
        for r in conn.execute(q.where(report_units_before_2025.c.report_id.in_(part))):
            out[r.report_id] = r.unit_before_2025
    return out


def legacy_communes_under(conn: Connection, code: str) -> list[dict[str, Any]]:
    """The legacy communes under the legacy unit ``code`` (a district's, or a province's through
    its districts), by code, with what each became."""
    t = units_before_2025
    districts = select(t.c.code).where(t.c.parent == code)
    q = (
        select(t)
        .where(t.c.level == "commune", or_(t.c.parent == code, t.c.parent.in_(districts)))
        .order_by(t.c.code)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def plan_reports_before(conn: Connection, plan_id: str) -> list[dict[str, Any]]:
    """Every report of a plan, newest first, each with ``unit_before_2025``: its commune before
    the reform (None for a report made after it)."""
    before = report_units_before_2025
    q = (
        select(plan_reports, before.c.unit_before_2025)
        .select_from(plan_reports.outerjoin(before, before.c.report_id == plan_reports.c.report_id))
        .where(plan_reports.c.plan_id == plan_id)
        .order_by(plan_reports.c.submitted_at.desc(), plan_reports.c.report_id.desc())
    )
    return [dict(r._mapping) for r in conn.execute(q)]
