"""A field's value as an officer reads it: choice labels, place names, record titles, units."""

from __future__ import annotations

from typing import Any

from mobile.core.device import Device
from mobile.core.records import RecordNotFound
from shared_schema.forms import FieldDef
from shared_schema.validation import is_empty

__all__ = ["geopoint_text", "show_value"]


def geopoint_text(value: Any) -> str:
    if not isinstance(value, dict) or "lat" not in value:
        return ""
    acc = value.get("accuracy")
    tail = f" (±{acc:.0f} m)" if isinstance(acc, int | float) else ""
    return f"{value['lat']:.6f}, {value['lon']:.6f}{tail}"


def show_value(device: Device, fdef: FieldDef, value: Any, lang: str) -> str:
    if is_empty(value):
        return "—"
    if fdef.type == "select_one":
        return fdef.choice_label(str(value), lang) or str(value)
    if fdef.type == "select_multiple" and isinstance(value, list):
        return ", ".join(fdef.choice_label(str(v), lang) or str(v) for v in value)
    if fdef.type == "geopoint":
        return geopoint_text(value)
    if fdef.type == "unit":
        names = {u["code"]: u["name"] for u in device.units()}
        return f"{names.get(value, value)}"
    if fdef.type == "reference":
        try:
            return device.records.get(str(value)).title or str(value)[:8]
        except RecordNotFound:
            return str(value)[:8]
    if fdef.type == "integer" and isinstance(value, int):
        return f"{value:,}".replace(",", "." if lang == "vi" else ",")
    return str(value)
