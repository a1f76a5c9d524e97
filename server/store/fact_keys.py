"""The keys of ``unit_tallies`` and ``period_tallies``: what one fact adds to its unit's figures.

Keys: ``model``, ``model.content_area.<v>``, ``model.status.<v>``, ``model.organization.<v>``,
``model.campaign.<v>``, ``model.<number>`` (people, households, contributions, results),
``visit``, ``evidence``, ``initiative.status.<v>``, ``activity.kind.<v>``, ``activity.<number>``.
Pure: the facts come from ``server/store/facts.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ACTIVITY_NUMBERS", "MODEL_NUMBERS", "contributions"]

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


def contributions(f: Mapping[str, Any], n: int = 1) -> list[tuple[str, int]]:
    """What one fact adds to its unit's tallies; or ``n`` facts alike in every choice, whose
    numbers ``f`` holds summed (a row of :func:`aggregate_under`)."""
    entity = f["entity"]
    out: list[tuple[str, int]] = []
    if entity == "model":
        out.append(("model", n))
        for col, key in (
            ("content_area", "content_area"),
            ("status", "status"),
            ("organization", "organization"),
        ):
            if f[col]:
                out.append((f"model.{key}.{f[col]}", n))
        if f["campaigns"]:
            out += [(f"model.campaign.{c}", n) for c in f["campaigns"].split(",")]
        out += [(f"model.{col}", f[col]) for col in MODEL_NUMBERS if f[col]]
    elif entity in ("visit", "evidence"):
        out.append((entity, n))
    elif entity == "initiative":
        if f["status"]:
            out.append((f"initiative.status.{f['status']}", n))
    elif entity == "activity":
        if f["kind"]:
            out.append((f"activity.kind.{f['kind']}", n))
        out += [(f"activity.{col}", f[col]) for col in ACTIVITY_NUMBERS if f[col]]
    return out
