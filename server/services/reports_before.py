"""The old grouping of a summary (issue 19): ``GET /reports/summary?unit=<code>&grouping=
before_2025``, so that a 2022 report can still be read as it was written.

The figures of the unit's subtree, as :func:`server.services.reports.summary` counts them (the
same keys of :mod:`server.store.fact_keys`, summed by the database from ``record_facts``), but
grouped by the unit each record had before the 2025 reform (``record_units_before_2025``):

- ``children``: one per old unit the records came from (an old commune; an old district or
  province for their own records), ``"level"`` the old unit's, named as it was; records with no
  old unit (made after the reform) under ``{"code": "", "name": "", "level": "after_2025"}``;
- ``districts``: the same figures per old district (its communes' and its own records), from
  ``units_before_2025.parent``;
- ``totals`` as the summary's; ``own`` null; with a plan made before the reform, each old
  commune under the plan's old unit is listed with its ``report`` status (with no records too).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection

from server import store
from server.services.tally import Tally

__all__ = ["AFTER_2025", "reformed", "summary_before_2025"]

AFTER_2025 = "after_2025"
_ORDER = {"province": 0, "district": 1, "commune": 2}


def summary_before_2025(
    conn: Connection,
    target: dict[str, Any],
    plan: dict[str, Any] | None,
    reports: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The summary of ``target`` (a unit in the caller's scope, checked) by the old units;
    ``reports``: the report status of each old commune under a pre-reform ``plan``."""
    period = (plan["period"]["from"], plan["period"]["to"]) if plan else None
    rows = store.periods.before_2025_sums(conn, target["code"], period)
    # With a plan, every old commune that owes a report is listed, even with no figures.
    codes = {old for old, _k, _n in rows if old is not None} | set(reports)
    names = store.reform.legacy_names(conn, codes)
    district_of: dict[str, str] = {}
    for code, unit in names.items():
        if unit["level"] == "district":
            district_of[code] = code
        elif unit["level"] == "commune" and unit["parent"]:
            district_of[code] = unit["parent"]
    totals = Tally()
    kids: dict[str | None, Tally] = defaultdict(Tally, {c: Tally() for c in sorted(reports)})
    districts: dict[str, Tally] = defaultdict(Tally)
    for old, key, n in rows:
        totals.add(key, n)
        kids[old].add(key, n)
        if old is not None and old in district_of:
            districts[district_of[old]].add(key, n)
    names.update(store.reform.legacy_names(conn, [d for d in districts if d not in names]))

    def ref(code: str | None) -> dict[str, Any]:
        if code is None:
            return {"code": "", "name": "", "level": AFTER_2025}
        unit = names.get(code, {})
        return {"code": code, "name": unit.get("name", code), "level": unit.get("level", "")}

    def order(code: str | None) -> tuple[int, str]:
        return (9, "") if code is None else (_ORDER.get(ref(code)["level"], 8), code)

    return {
        "unit": {k: target[k] for k in ("code", "name", "level")},
        "plan": plan,
        "grouping": "before_2025",
        "totals": totals.as_dict(),
        "own": None,
        "children": [
            {"unit": ref(c), **kids[c].as_dict(), "report": reports.get(c) if c else None}
            for c in sorted(kids, key=order)
        ],
        "districts": [
            {"unit": ref(d), **districts[d].as_dict(), "report": None} for d in sorted(districts)
        ],
    }


def reformed(conn: Connection) -> bool:
    """Whether the server moved to the current tree by ``dkst units reform`` (the pages then
    offer the old grouping)."""
    return store.reform.reformed_at(conn) is not None
