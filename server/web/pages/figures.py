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
)
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
)


def _at(d: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)  # type: ignore[assignment]
    return d


def _label(entity: str, field: str, lang: str) -> str:
    fdef = load_default_forms().latest(entity).field(field)
    if fdef is None:
        return field
    return fdef.label.en if lang == "en" else fdef.label.vi


def figure_sections(fig: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """``[{"title", "rows": [(label, value)]}]``: the figures first, then each breakdown."""
    forms = load_default_forms()
    numbers = []
    for path, entity in _NUMBERS:
        value = _at(fig, path)
        if value is None:
            continue
        label = _label(entity, path[-1], lang) if entity else tr(path[-1], lang)
        numbers.append((label, value))
    sections = [{"title": tr("figures", lang), "rows": numbers}]
    for key, path, (entity, field) in _COUNTS:
        counts = _at(fig, path)
        if not isinstance(counts, dict):
            continue
        fdef = forms.latest(entity).field(field)
        rows = [((fdef.choice_label(k, lang) if fdef else None) or k, v) for k, v in counts.items()]
        sections.append({"title": tr(key, lang), "rows": rows})
    return sections
