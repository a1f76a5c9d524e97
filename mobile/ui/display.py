"""A field's value as an officer reads it: choice labels, place names, record titles, units.

What needs no look-up (choices, points) is ``shared_schema.display``'s, the same as the staff
pages and the exports show; place names and record titles come from the device.
"""

from __future__ import annotations

from typing import Any

from mobile.core.device import Device
from mobile.core.records import RecordNotFound
from shared_schema.display import choices_text, geopoint_text
from shared_schema.forms import FieldDef
from shared_schema.validation import is_empty

__all__ = ["show_value"]


def show_value(device: Device, fdef: FieldDef, value: Any, lang: str) -> str:
    if is_empty(value):
        return "—"
    if fdef.type in ("select_one", "select_multiple"):
        return choices_text(fdef, value, lang)
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
