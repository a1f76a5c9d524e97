"""The figures of one summary row (``server/services/reports.py``): the tallies' keys
(:mod:`server.store.fact_keys`) summed into the shape SYNC.md gives a summary's totals and
children, with every choice of the forms as a key (0 where none)."""

from __future__ import annotations

from typing import Any

from server.store import fact_keys as keys
from server.store import facts as store_facts
from shared_schema.forms import load_default_forms
from shared_schema.periods import EVIDENCE_PARENTS

__all__ = ["Tally"]


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
