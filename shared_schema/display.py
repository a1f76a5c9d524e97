"""How a value is shown to a person, the same in the app, the staff pages and the exports.

Only what needs no database: a choice's label, several choices joined, a review state, a point.
Place names and record titles are each side's own look-up.
"""

from __future__ import annotations

from typing import Any

from shared_schema.entities import REVIEW_STATE_LABELS
from shared_schema.forms import FieldDef

__all__ = [
    "MULTI_SEPARATOR",
    "choices_text",
    "geopoint_text",
    "review_state_label",
    "unit_before_2025_text",
]

# Between the labels of a select_multiple answer: "; ", as a CSV cell or a sentence reads it
# (a label may hold a comma: "Giảm nghèo, an sinh xã hội").
MULTI_SEPARATOR = "; "


def choices_text(fdef: FieldDef, value: Any, lang: str) -> str:
    """A select_one or select_multiple answer by its labels in ``lang`` (a value the form does not
    know stays as it is)."""
    values = value if isinstance(value, list) else [value]
    return MULTI_SEPARATOR.join(fdef.choice_label(str(v), lang) or str(v) for v in values)


def review_state_label(state: str | None, lang: str) -> str:
    """``pending`` → "Chờ duyệt" / "Awaiting review"; an unknown state as it is."""
    pair = REVIEW_STATE_LABELS.get(state or "")
    if pair is None:
        return state or ""
    return pair[1] if lang == "en" else pair[0]


def geopoint_text(value: Any) -> str:
    """``12.690000, 107.880000 (±5 m)``; empty for anything that is not a point."""
    if not isinstance(value, dict) or "lat" not in value or "lon" not in value:
        return ""
    acc = value.get("accuracy")
    tail = f" (±{acc:.0f} m)" if isinstance(acc, int | float) else ""
    return f"{value['lat']:.6f}, {value['lon']:.6f}{tail}"


def unit_before_2025_text(code: Any) -> str:
    """Where a record was before the 2025 reform, as its unit and the units above it were named on
    the old map: "Xã Ea Pô (24646), Huyện Cư Jút, Tỉnh Đắk Nông"; the bare code if the old list
    does not hold it."""
    from shared_schema.units import load_units

    if not isinstance(code, str) or not code:
        return ""
    tree = load_units("legacy")
    unit = tree.get(code)
    if unit is None:
        return code
    above = [u.name for u in tree.ancestors(code) if u.code != code]
    return ", ".join([f"{unit.name} ({code})", *above])
