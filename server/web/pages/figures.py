"""A summary's figures as labelled rows (a commune's report, frozen or live), labels from the forms."""

from __future__ import annotations

from typing import Any

from server.web.i18n import tr
from shared_schema.forms import load_default_forms

# (section key, path in the summary, entity and field whose choices label the keys)
_COUNTS = (
    ("chart_content", ("models", "by_content_area"), ("model", "content_area")),
    ("chart_status", ("models", "by_status"), ("model", "status")),
    ("chart_org", ("models", "by_organization"), ("model", "lead_organization")),
    ("by_campaign", ("models", "by_campaign"), ("model", "linked_campaigns")),
    ("initiatives", ("initiatives", "by_status"), ("initiative", "status")),
    ("activities", ("activities", "by_kind"), ("activity", "kind")),
    ("by_recommendation", ("models", "by_recommendation"), ("model", "recommendation")),
)
# Issue 20: (section key, path, entity whose fields label the keys: each key is a field's name)
_BY_FIELD = (
    ("model_groups", ("models", "participants_by_group"), "model"),
    ("activity_groups", ("activities", "participants_by_group"), "activity"),
    ("evidence_by_parent", ("evidence_by_parent",), "evidence"),
)
_SCORES = ("effectiveness", "creativity", "replicability", "participation", "sustainability")
# (path, entity whose form labels the number; None: the pages' own word)
_NUMBERS = (
    (("participants",), None),
    (("households",), None),
    (("visits",), None),
    (("evidence",), None),
    (("evidence_missing",), None),
    (("contributions", "state_budget_vnd"), "model"),
    (("contributions", "people_contribution_vnd"), "model"),
    (("contributions", "labour_days"), "model"),
    (("results", "economic_value_vnd_per_year"), "model"),
    (("results", "households_out_of_poverty"), "model"),
    (("activities", "attendees"), "activity"),
    (("activities", "bulletins_printed"), "activity"),
    (("activities", "commendations"), "activity"),
    (("activities", "commended_collectives"), "activity"),
    (("activities", "commended_individuals"), "activity"),
    (("activities", "contest_entrants"), "activity"),
    (("activities", "broadcasts"), "activity"),
    (("models", "productivity_gain", "models"), None),
    (("models", "productivity_gain", "average_pct"), None),
    (("models", "with_results"), None),
    (("models", "with_shortcomings"), None),
    (("activities", "with_results"), None),
    (("activities", "with_shortcomings"), None),
    (("initiatives", "applied"), None),
)
# The pages' own words for numbers whose last key is not unique.
_OWN_WORDS = {
    ("models", "productivity_gain", "models"): "productivity_models",
    ("models", "productivity_gain", "average_pct"): "productivity_average",
    ("models", "with_results"): "models_with_results",
    ("models", "with_shortcomings"): "models_with_shortcomings",
    ("activities", "with_results"): "activities_with_results",
    ("activities", "with_shortcomings"): "activities_with_shortcomings",
    ("initiatives", "applied"): "initiatives_applied",
}


def _at(d: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)  # type: ignore[assignment]
    return d


def _label(entity: str, field: str, lang: str) -> str:
    """The field's label in the newest version of the entity's form that has it (v2 counts an
    activity's ``commendations`` apart, as collectives and individuals)."""
    for form in reversed(load_default_forms().for_entity(entity)):
        fdef = form.field(field)
        if fdef is not None:
            return fdef.label.en if lang == "en" else fdef.label.vi
    return field


def _v2_sections(fig: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Issue 20's breakdowns: who takes part, evidence by parent, the visits' average scores,
    initiatives applied by year."""
    sections = []
    for key, path, entity in _BY_FIELD:
        counts = _at(fig, path)
        if isinstance(counts, dict):
            rows = [(_label(entity, str(k), lang), v) for k, v in counts.items()]
            sections.append({"title": tr(key, lang), "rows": rows})
    scores = fig.get("visit_scores")
    if isinstance(scores, dict):
        rows = [
            (_label("visit", f"score_{sc}", lang), (scores.get(sc) or {}).get("average"))
            for sc in _SCORES
        ]
        sections.append({"title": tr("visit_scores", lang), "rows": rows})
    years = _at(fig, ("initiatives", "applied_by_year"))
    if isinstance(years, dict) and years:
        sections.append({"title": tr("applied_by_year", lang), "rows": list(years.items())})
    return sections


def figure_sections(fig: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """``[{"title", "rows": [(label, value)]}]``: the figures first, then each breakdown."""
    forms = load_default_forms()
    numbers = []
    for path, entity in _NUMBERS:
        value = _at(fig, path)
        if value is None:
            continue
        own = _OWN_WORDS.get(path, path[-1])
        label = _label(entity, path[-1], lang) if entity else tr(own, lang)
        numbers.append((label, value))
    sections = [{"title": tr("figures", lang), "rows": numbers}]
    for key, path, (entity, field) in _COUNTS:
        counts = _at(fig, path)
        if not isinstance(counts, dict):
            continue
        fdef = forms.latest(entity).field(field)
        rows = [((fdef.choice_label(k, lang) if fdef else None) or k, v) for k, v in counts.items()]
        sections.append({"title": tr(key, lang), "rows": rows})
    return sections + _v2_sections(fig, lang)
