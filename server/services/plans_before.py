"""Plans made before the 2025 reform keep their old communes (issue 19): a plan of Huyện Cư Jút
lists Xã Ea Pô, Xã Đắk Wil… with their reports on time, late or missing as they were, though the
plan now lies on the new province and the reports on the new communes.

The communes listed are the legacy communes under the plan's old unit (``units_before_2025``)
that the caller may see: those whose new unit (what each became) is in the caller's scope. Each
carries its old name and ``"tree": "legacy"``, and its reports are those whose commune before
the reform was it (``report_units_before_2025``). A report made after the reform, by a new
commune, is listed under that new commune after the old ones. Services of
:mod:`server.services.plans` call these for a plan that has an old unit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from server import store
from server.services.auth import Principal

__all__ = ["latest_reports", "old_unit", "versions"]

Entry = tuple[dict[str, Any], dict[str, Any] | None, int]


def old_unit(conn: Connection, plan: dict[str, Any]) -> str | None:
    """The legacy unit of a plan made before the reform, else None."""
    return store.reform_plans.plan_before(conn, plan["plan_id"])


def _communes(conn: Connection, who: Principal, old: str) -> list[dict[str, Any]]:
    return [
        {"code": c["code"], "name": c["name"], "level": "commune", "tree": "legacy"}
        for c in store.reform_plans.legacy_communes_under(conn, old)
        if who.in_scope(c["became"])
    ]


def latest_reports(
    conn: Connection, who: Principal, plan: dict[str, Any], old: str, out_row: Any
) -> list[Entry]:
    """(commune, its latest report or None, versions): the old communes, then new communes with
    reports made after the reform. ``out_row`` shapes a report row."""
    rows = store.reform_plans.plan_reports_before(conn, plan["plan_id"])
    by_old: dict[str, list[dict[str, Any]]] = {}
    by_new: dict[str, list[dict[str, Any]]] = {}
    for r in rows:  # newest first
        before = r.pop("unit_before_2025")
        if before is not None:
            by_old.setdefault(before, []).append(r)
        elif who.in_scope(r["unit"]):
            by_new.setdefault(r["unit"], []).append(r)
    out: list[Entry] = []
    for c in _communes(conn, who, old):
        mine = by_old.get(c["code"], [])
        out.append((c, out_row(mine[0]) if mine else None, len(mine)))
    names = store.units.names_of(conn, by_new)
    for code, mine in sorted(by_new.items()):
        unit = {"code": code, "name": names.get(code, code), "level": "commune"}
        out.append((unit, out_row(mine[0]), len(mine)))
    return out


def versions(
    conn: Connection, who: Principal, plan: dict[str, Any], old: str, unit: str
) -> list[dict[str, Any]] | None:
    """Every version of an old commune's report, newest first; None when ``unit`` is not one of
    the old communes the caller may see (then it may be a new commune's)."""
    if not any(c["code"] == unit for c in _communes(conn, who, old)):
        return None
    rows = store.reform_plans.plan_reports_before(conn, plan["plan_id"])
    return [r for r in rows if r.pop("unit_before_2025") == unit]
