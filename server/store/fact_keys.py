"""The keys of ``unit_tallies`` and ``period_tallies``: what one fact adds to its unit's figures.

Keys: ``model``, ``model.content_area.<v>``, ``model.status.<v>``, ``model.organization.<v>``,
``model.campaign.<v>``, ``model.<number>`` (people, households, contributions, results),
``visit``, ``evidence``, ``initiative.status.<v>``, ``activity.kind.<v>``, ``activity.<number>``.
Pure: the facts come from ``server/store/facts.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ACTIVITY_NUMBERS",
    "CAMPAIGNS",
    "CHOICES",
    "COUNTED",
    "MODEL_NUMBERS",
    "NUMBERS",
    "contributions",
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
    return out
