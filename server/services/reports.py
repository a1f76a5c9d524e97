"""The consolidated figures of a unit (SYNC.md "Reports and downloads").

The function the JSON API and the staff pages call:

- ``summary(conn, principal, unit, plan_id=None) -> dict``: ``{"unit", "plan", "totals", "own",
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
from server.store import fact_keys as keys
from server.store import facts as store_facts
from server.store import periods as store_periods
from server.store import units as store_units
from shared_schema.errors import ErrorCode
from shared_schema.forms import load_default_forms
from shared_schema.periods import EVIDENCE_PARENTS

__all__ = ["Tally", "summary"]


def _choices(entity: str, field: str) -> tuple[str, ...]:
    if (entity, field) == ("evidence", "parent"):
        return EVIDENCE_PARENTS
    fdef = load_default_forms().latest(entity).field(field)
    return fdef.choice_values if fdef is not None else ()


# Tally key prefix → (section, choices of the form) for the counted choices.
_CHOICE_KEYS: dict[str, tuple[str, str]] = {
    "model.content_area.": ("model", "content_area"),
    "model.status.": ("model", "status"),
    "model.organization.": ("model", "lead_organization"),
    "model.campaign.": ("model", "linked_campaigns"),
    "initiative.status.": ("initiative", "status"),
    "activity.kind.": ("activity", "kind"),
    "model.recommendation.": ("model", "recommendation"),
    "evidence.parent.": ("evidence", "parent"),
    "initiative.applied_year.": ("initiative", "applied_year"),  # no choices: the years there are
}
_CONTRIBUTIONS = ("state_budget_vnd", "people_contribution_vnd", "labour_days")
_RESULTS = ("economic_value_vnd_per_year", "households_out_of_poverty")
_SCALARS = {
    "model.people": "participants",
    "model.households": "households",
    "visit": "visits",
    "evidence": "evidence",
    "evidence.missing": "evidence_missing",
    **{f"model.{k}": k for k in (*_CONTRIBUTIONS, *_RESULTS)},
    **{f"activity.{k}": k for k in store_facts.ACTIVITY_NUMBERS},
    # Issue 20 (server/store/fact_keys.py ``extras``)
    **{f"model.group.{g}": f"model.group.{g}" for g in keys.GROUPS},
    **{f"activity.group.{g}": f"activity.group.{g}" for g in keys.GROUPS},
    **{f"activity.{k}": k for k in keys.ACTIVITY_EXTRA},
    **{f"visit.score.{sc}.{x}": f"score.{sc}.{x}" for sc in keys.SCORES for x in ("n", "sum")},
    "model.productivity.models": "productivity.models",
    "model.productivity.centi": "productivity.centi",
    "model.with_results": "model.with_results",
    "model.with_shortcomings": "model.with_shortcomings",
    "activity.with_results": "activity.with_results",
    "activity.with_shortcomings": "activity.with_shortcomings",
    "initiative.applied": "initiatives_applied",
}


def _average(total: int, n: int, scale: int = 1) -> float | None:
    return round(total / n / scale, 2) if n else None


class Tally:
    """The figures of one child, of the unit's own records or of the totals."""

    def __init__(self) -> None:
        self.choices = {p: dict.fromkeys(_choices(*src), 0) for p, src in _CHOICE_KEYS.items()}
        self.scalars = dict.fromkeys(_SCALARS.values(), 0)

    def add(self, key: str, n: int) -> None:
        name = _SCALARS.get(key)
        if name is not None:
            self.scalars[name] += n
            return
        prefix, _, value = key.rpartition(".")
        counts = self.choices.get(prefix + ".")
        if counts is not None:
            counts[value] = counts.get(value, 0) + n

    def as_dict(self) -> dict[str, Any]:
        c, s = self.choices, self.scalars
        return {
            "models": {
                "by_content_area": c["model.content_area."],
                "by_status": c["model.status."],
                "by_organization": c["model.organization."],
                "by_campaign": c["model.campaign."],
                **self._v2_models(),
            },
            "participants": s["participants"],
            "households": s["households"],
            "contributions": {k: s[k] for k in _CONTRIBUTIONS},
            "results": {k: s[k] for k in _RESULTS},
            "visits": s["visits"],
            "evidence": s["evidence"],
            "evidence_missing": s["evidence_missing"],
            "initiatives": {
                "by_status": c["initiative.status."],
                "applied": s["initiatives_applied"],
                "applied_by_year": dict(sorted(c["initiative.applied_year."].items())),
            },
            "activities": {
                "by_kind": c["activity.kind."],
                **{k: s[k] for k in store_facts.ACTIVITY_NUMBERS},
                **{k: s[k] for k in keys.ACTIVITY_EXTRA},
                "participants_by_group": {g: s[f"activity.group.{g}"] for g in keys.GROUPS},
                "with_results": s["activity.with_results"],
                "with_shortcomings": s["activity.with_shortcomings"],
            },
            "visit_scores": {
                sc: {
                    "visits": s[f"score.{sc}.n"],
                    "average": _average(s[f"score.{sc}.sum"], s[f"score.{sc}.n"]),
                }
                for sc in keys.SCORES
            },
            "evidence_by_parent": c["evidence.parent."],
        }

    def _v2_models(self) -> dict[str, Any]:
        """Issue 20's figures of models, beside the contract's."""
        c, s = self.choices, self.scalars
        return {
            "by_recommendation": c["model.recommendation."],
            "productivity_gain": {
                "models": s["productivity.models"],
                "average_pct": _average(s["productivity.centi"], s["productivity.models"], 100),
            },
            "participants_by_group": {g: s[f"model.group.{g}"] for g in keys.GROUPS},
            "with_results": s["model.with_results"],
            "with_shortcomings": s["model.with_shortcomings"],
        }


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


def _reports(
    conn: Connection, principal: Principal, plan: dict[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """Commune code → ``{"status", "submitted_at"}`` for the communes under the plan's unit."""
    if plan is None:
        return {}
    return {
        commune["code"]: {
            "status": "missing" if report is None else report["status"],
            "submitted_at": None if report is None else report["submitted_at"],
        }
        for commune, report, _n in plans_service.latest_reports(conn, principal, plan)
    }


def summary(
    conn: Connection, principal: Principal, unit: str | None, plan_id: str | None = None
) -> dict[str, Any]:
    if not unit:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"parameter": "unit"})
    target = store_units.get_in_scope(conn, unit, principal.units)
    if target is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    plan = plans_service.get_plan(conn, principal, plan_id) if plan_id else None
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
    reports = _reports(conn, principal, plan)
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
