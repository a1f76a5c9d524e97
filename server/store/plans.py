"""``plans`` and ``plan_reports``: plans of a district or province and the communes' reports.

Which plans a caller sees is a join on the closure table: plans issued inside the caller's
subtree, or by an ancestor of one of the caller's units (a commune sees its district's plans).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from server.db.schema import plan_reports, plans, unit_closure
from server.store.units import in_scope_of, under


def visible(roots: Sequence[str]) -> ColumnElement[bool]:
    """A plan the caller whose units are ``roots`` may see (also what makes its document
    visible: ``server/store/attachments.py``)."""
    ancestors = select(unit_closure.c.ancestor).where(unit_closure.c.descendant.in_(list(roots)))
    return or_(plans.c.unit.in_(in_scope_of(roots)), plans.c.unit.in_(ancestors))


def add(conn: Connection, row: Mapping[str, Any]) -> bool:
    """Insert a plan row; False when its unit already has a plan of that number."""
    taken = select(plans.c.plan_id).where(
        plans.c.unit == row["unit"], plans.c.number == row["number"]
    )
    if conn.execute(taken).first() is not None:
        return False
    try:
        with conn.begin_nested():  # a concurrent twin fails on the unique index, not the request
            conn.execute(insert(plans).values(**row))
    except IntegrityError:
        return False
    return True


def get_visible(conn: Connection, plan_id: str, roots: Sequence[str]) -> dict[str, Any] | None:
    """The plan row ``plan_id`` when the caller whose units are ``roots`` may see it."""
    q = select(plans).where(plans.c.plan_id == plan_id, visible(roots))
    row = conn.execute(q).first()
    return None if row is None else dict(row._mapping)


def list_visible(conn: Connection, roots: Sequence[str]) -> list[dict[str, Any]]:
    """Every plan row the caller may see, newest ``issued_on`` first."""
    q = (
        select(plans)
        .where(visible(roots))
        .order_by(plans.c.issued_on.desc(), plans.c.created_at.desc(), plans.c.number)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def add_report(conn: Connection, row: Mapping[str, Any]) -> None:
    conn.execute(insert(plan_reports).values(**row))


def _of(organization: str | None) -> ColumnElement[bool]:
    o = plan_reports.c.organization
    return o.is_(None) if organization is None else o == organization


def reports_of(
    conn: Connection, plan_id: str, unit: str, organization: str | None = None
) -> list[dict[str, Any]]:
    """Every version of one commune's report (or a member organization's), newest first."""
    q = (
        select(plan_reports)
        .where(
            plan_reports.c.plan_id == plan_id,
            plan_reports.c.unit == unit,
            _of(organization),
        )
        .order_by(plan_reports.c.submitted_at.desc(), plan_reports.c.report_id.desc())
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def latest_under(
    conn: Connection,
    plan_id: str,
    code: str,
    roots: Sequence[str],
    *,
    organizations: bool = False,
) -> dict[Any, tuple[dict[str, Any], int]]:
    """Commune → (its latest report row, its number of versions), for the communes under ``code``
    that lie under ``roots`` and have reported; with ``organizations``, the member organizations'
    reports instead, keyed ``(unit, organization)``."""
    org = plan_reports.c.organization
    by = (plan_reports.c.unit, org)
    versions = func.count().over(partition_by=by).label("versions")
    rank = (
        func.row_number()
        .over(
            partition_by=by,
            order_by=(plan_reports.c.submitted_at.desc(), plan_reports.c.report_id.desc()),
        )
        .label("rank")
    )
    inner = (
        select(plan_reports, versions, rank)
        .where(
            plan_reports.c.plan_id == plan_id,
            plan_reports.c.unit.in_(under(code)),
            plan_reports.c.unit.in_(in_scope_of(roots)),
            org.is_not(None) if organizations else org.is_(None),
        )
        .subquery()
    )
    out: dict[Any, tuple[dict[str, Any], int]] = {}
    for r in conn.execute(select(inner).where(inner.c.rank == 1)):
        m = dict(r._mapping)
        n = int(m.pop("versions"))
        m.pop("rank")
        out[(m["unit"], m["organization"]) if organizations else m["unit"]] = (m, n)
    return out
