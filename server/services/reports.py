"""The consolidated figures of a unit (SYNC.md "Reports and downloads").

The function the JSON API and the staff pages call:

- ``summary(conn, principal, unit, plan_id=None, grouping=None) -> dict`` (``grouping=
  "before_2025"``: by the units before the 2025 reform, :mod:`server.services.reports_before`): ``{"unit", "plan", "totals", "own",
  "children"}``. For a district or province the children are its child units and ``own`` counts
  the records whose unit is the unit itself (a district's own models); for a commune the children
  are its residential areas (``level: "residential_area"``, code the record id) and ``own`` is
  null; a commune's initiatives and activities count in its totals only. Every choice of the
  forms appears as a key, with 0 where none. With a plan, only records of the plan's period count
  and each commune child under the plan's unit carries its ``report`` status.

Where the figures come from (issue 10's benchmark: 1,000,000 records), all kept on write
(``server/store/facts.py``, ``server/store/periods.py``), so that no summary parses a record:

- above a commune, without a plan: ``unit_tallies``, the sums per unit, and the few evidence
  facts whose file had not arrived when they were written;
- above a commune, with a plan: ``period_tallies``, the same sums per year and month of the date
  the period rule reads, and the facts of the days of a month the period cuts;
- a commune: its own facts, each placed under its residential area and date when written,
  summed by the database (one table, no join).

Placing a record: models by their ``residential_area``; visits by their model's; evidence by its
visit's model's, else its model's. The plan period rule: ``activity.date``, ``visit.visit_date``,
``initiative.submitted_date`` in the period; a model whose ``start_date`` is on or before its end;
evidence with the visit (else the model) it names; residential areas always; no date, no count.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection

from server.errors import ServerError
from server.services import plans as plans_service
from server.services.auth import Principal
from server.services.reports_before import summary_before_2025
from server.services.tally import Tally
from server.store import facts as store_facts
from server.store import periods as store_periods
from server.store import units as store_units
from shared_schema.errors import ErrorCode

__all__ = ["GROUPINGS", "Tally", "reports_of", "summary"]


def _by_area(
    conn: Connection, code: str, plan: dict[str, Any] | None
) -> tuple[Tally, dict[str, Tally]]:
    """(totals, per residential area) of a commune."""
    totals, kids = Tally(), defaultdict[str, Tally](Tally)
    for area, key, n in store_periods.area_sums(conn, code, _period(plan)):
        totals.add(key, n)
        # Initiatives and activities belong to the commune, not to a residential area.
        if area is not None:
            kids[area].add(key, n)
    return totals, kids


def _period(plan: dict[str, Any] | None) -> tuple[str, str] | None:
    return (plan["period"]["from"], plan["period"]["to"]) if plan else None


def _by_unit(
    rows: list[tuple[str, str, int]], code: str, child_of: dict[str, str]
) -> tuple[Tally, Tally, dict[str, Tally]]:
    """(totals, own, per child) from ``(unit, key, n)`` rows of the subtree."""
    totals, own = Tally(), Tally()
    kids: dict[str, Tally] = defaultdict(Tally)
    for unit, key, n in rows:
        totals.add(key, n)
        if unit == code:
            own.add(key, n)
        child = child_of.get(unit)
        if child is not None:
            kids[child].add(key, n)
    return totals, own, kids


def _unit_rows(
    conn: Connection, code: str, plan: dict[str, Any] | None
) -> list[tuple[str, str, int]]:
    period = _period(plan)
    if period is not None:
        return store_periods.unit_sums(conn, code, period)
    rows = store_facts.tallies_under(conn, code)
    return rows + [
        (u, "evidence.missing", n) for u, n in store_facts.missing_under(conn, code).items()
    ]


def reports_of(
    conn: Connection, principal: Principal, plan: dict[str, Any] | None, *, legacy: bool = False
) -> dict[str, dict[str, Any]]:
    """Commune code → ``{"status", "submitted_at"}`` for the communes under the plan's unit: of
    today's communes, or (``legacy``) of the communes before the 2025 reform of a plan made
    before it (their codes may be today's codes of other communes)."""
    if plan is None:
        return {}
    return {
        commune["code"]: {
            "status": "missing" if report is None else report["status"],
            "submitted_at": None if report is None else report["submitted_at"],
        }
        for commune, report, _n in plans_service.latest_reports(conn, principal, plan)
        if (commune.get("tree") == "legacy") == legacy
    }


GROUPINGS = ("units", "before_2025")


def summary(
    conn: Connection,
    principal: Principal,
    unit: str | None,
    plan_id: str | None = None,
    grouping: str | None = None,
) -> dict[str, Any]:
    """The summary; ``grouping="before_2025"``: by the units before the 2025 reform
    (:mod:`server.services.reports_before`)."""
    if not unit:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"parameter": "unit"})
    if grouping not in (None, "", *GROUPINGS):
        raise ServerError(ErrorCode.INVALID_REQUEST, {"parameter": "grouping"})
    target = store_units.get_in_scope(conn, unit, principal.units)
    if target is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    plan = plans_service.get_plan(conn, principal, plan_id) if plan_id else None
    if grouping == "before_2025":
        legacy = reports_of(conn, principal, plan, legacy=True)
        return summary_before_2025(conn, target, plan, legacy)
    code = target["code"]
    if target["level"] == "commune":
        totals, kids = _by_area(conn, code, plan)
        areas = store_facts.area_names(conn, code)
        child_units = [
            {"code": rid, "name": name, "level": "residential_area"}
            for rid, name in sorted(areas.items(), key=lambda kv: (kv[1], kv[0]))
        ]
        own = None
    else:
        child_units = store_units.children(conn, code)
        child_of = store_units.child_of_each(conn, code)
        totals, own_tally, kids = _by_unit(_unit_rows(conn, code, plan), code, child_of)
        own = own_tally.as_dict()
    reports = reports_of(conn, principal, plan)
    return {
        "unit": {"code": code, "name": target["name"], "level": target["level"]},
        "plan": plan,
        "totals": totals.as_dict(),
        "own": own,
        "children": [
            {"unit": cu, **kids[cu["code"]].as_dict(), "report": reports.get(cu["code"])}
            for cu in child_units
        ],
    }
