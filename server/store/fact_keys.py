"""The keys of ``unit_tallies`` and ``period_tallies``: what one fact adds to its unit's figures.

Keys: ``model``, ``model.content_area.<v>``, ``model.status.<v>``, ``model.organization.<v>``,
``model.campaign.<v>``, ``model.<number>`` (people, households, contributions, results),
``visit``, ``evidence``, ``initiative.status.<v>``, ``activity.kind.<v>``, ``activity.<number>``,
and those of a fact's ``extra`` (:func:`extras`, issue 20's figures): ``model.recommendation.<v>``,
``model.group.<g>``, ``model.productivity.models`` and ``.centi`` (the gain in hundredths of a
percent, summed), ``model.with_results``, ``model.with_shortcomings``, ``visit.score.<s>.n`` and
``.sum``, ``initiative.applied``, ``initiative.applied_year.<YYYY>``, ``activity.<number>`` of
:data:`ACTIVITY_EXTRA`, ``activity.group.<g>``, ``activity.with_results``,
``activity.with_shortcomings``, ``evidence.parent.<entity>``.
Pure: the facts come from ``server/store/facts.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from shared_schema.periods import evidence_parent

__all__ = [
    "ACTIVITY_EXTRA",
    "ACTIVITY_NUMBERS",
    "CAMPAIGNS",
    "CHOICES",
    "COUNTED",
    "MODEL_NUMBERS",
    "NUMBERS",
    "contributions",
    "extras",
]

MODEL_NUMBERS = (
    "people",
    "households",
    "state_budget_vnd",
    "people_contribution_vnd",
    "labour_days",
    "economic_value_vnd_per_year",
    "households_out_of_poverty",
)
ACTIVITY_NUMBERS = ("attendees", "bulletins_printed", "commendations")
# Issue 20 (form set v2): who takes part, the visits' scores, the activities' new counts.
GROUPS = ("party_members", "youth_students", "religious_followers", "ethnic_minority")
SCORES = ("effectiveness", "creativity", "replicability", "participation", "sustainability")
ACTIVITY_EXTRA = (
    "commended_collectives",
    "commended_individuals",
    "contest_entrants",
    "broadcasts",
)


# The key scheme, as tables that :func:`contributions` and the SQL sums of
# ``server/store/periods.py`` both read.
COUNTED = ("model", "visit", "evidence")  # entities whose records are counted under their name
CHOICES = (  # (entity, fact column, key prefix): a record counts under its choice
    ("model", "content_area", "model.content_area."),
    ("model", "status", "model.status."),
    ("model", "organization", "model.organization."),
    ("initiative", "status", "initiative.status."),
    ("activity", "kind", "activity.kind."),
)
CAMPAIGNS = "model.campaign."  # a model counts under each of its campaigns (column "campaigns")
NUMBERS = {"model": MODEL_NUMBERS, "activity": ACTIVITY_NUMBERS}  # summed as "<entity>.<column>"


def contributions(f: Mapping[str, Any]) -> list[tuple[str, int]]:
    """What one fact adds to its unit's tallies."""
    entity = f["entity"]
    out: list[tuple[str, int]] = [(entity, 1)] if entity in COUNTED else []
    out += [(prefix + f[col], 1) for e, col, prefix in CHOICES if e == entity and f[col]]
    if entity == "model" and f["campaigns"]:
        out += [(CAMPAIGNS + c, 1) for c in f["campaigns"].split(",")]
    out += [(f"{entity}.{col}", f[col]) for col in NUMBERS.get(entity, ()) if f[col]]
    extra = f.get("extra")
    if extra:
        out += list(orjson.loads(extra).items())
    return out


def _count(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v > 0 else None


def _said(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


def extras(entity: str, fields: Mapping[str, Any]) -> str | None:
    """The ``extra`` of a fact: the keys of issue 20's figures a record adds, as canonical JSON
    (sorted keys, so that an unchanged record's fact compares equal), None when it adds none."""
    out: dict[str, int] = {}
    if entity in ("model", "activity"):
        for g in GROUPS:
            if (n := _count(fields.get(g))) is not None:
                out[f"{entity}.group.{g}"] = n
        for name in ("results", "shortcomings"):
            if _said(fields.get(name)):
                out[f"{entity}.with_{name}"] = 1
    if entity == "model":
        rec = fields.get("recommendation")
        if isinstance(rec, str) and rec:
            out[f"model.recommendation.{rec}"] = 1
        gain = fields.get("productivity_gain_pct")
        if isinstance(gain, int | float) and not isinstance(gain, bool) and gain >= 0:
            out["model.productivity.models"] = 1
            out["model.productivity.centi"] = round(gain * 100)
    elif entity == "visit":
        for sc in SCORES:
            if (n := _count(fields.get(f"score_{sc}"))) is not None:
                out[f"visit.score.{sc}.n"] = 1
                out[f"visit.score.{sc}.sum"] = n
    elif entity == "initiative":
        if fields.get("applied") == "yes":
            out["initiative.applied"] = 1
            year = fields.get("applied_year")
            if isinstance(year, int) and not isinstance(year, bool):
                out[f"initiative.applied_year.{year}"] = 1
    elif entity == "activity":
        for col in ACTIVITY_EXTRA:
            if (n := _count(fields.get(col))) is not None:
                out[f"activity.{col}"] = n
    elif entity == "evidence":
        parent = evidence_parent(fields)
        if parent is not None:
            out[f"evidence.parent.{parent[0]}"] = 1
    return orjson.dumps(out, option=orjson.OPT_SORT_KEYS).decode() if out else None
