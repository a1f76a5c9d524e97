"""Every string the app shows: Vietnamese first, English second, one table, NFC.

The texts are written a module per screen in ``mobile/ui/strings/`` and assembled here into one
table (a key written twice is an error at import). Screens ask ``App.t(key, app.lang, **values)``;
the form labels and choice labels come from the form definitions (both languages), the server's
error codes from ``shared_schema.errors``, review states from ``shared_schema.display``, and the
device core's refusals from the ``error.<code>`` entries (:func:`device_error_text`). No
exception's own text reaches the officer.
"""

from __future__ import annotations

import string
import unicodedata
from datetime import datetime
from typing import Any

from mobile.core.errors import DeviceError
from mobile.ui.strings import (
    common,
    conflicts,
    errors,
    form,
    gps,
    home,
    lists,
    login,
    photo,
    record,
    settings,
    sync,
)
from shared_schema.errors import error_message
from shared_schema.forms import FieldDef
from shared_schema.titles import field_label, role_title

__all__ = [
    "LANGS",
    "STRINGS",
    "day_text",
    "device_error_text",
    "error_text",
    "issue_text",
    "label_of",
    "local_time",
    "tr",
    "who_text",
]

LANGS = ("vi", "en")

_PARTS = (common, errors, login, home, lists, record, form, photo, gps, sync, conflicts, settings)


def _assemble() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for part in _PARTS:
        twice = table.keys() & part.STRINGS.keys()
        if twice:
            raise ValueError(f"{part.__name__} words again: {sorted(twice)}")
        table.update(part.STRINGS)
    return table


_TABLE = _assemble()

STRINGS: dict[str, tuple[str, str]] = {
    k: (unicodedata.normalize("NFC", vi), unicodedata.normalize("NFC", en))
    for k, (vi, en) in _TABLE.items()
}


class _Counts(string.Formatter):
    """``str.format`` with counted words: ``{n:# change|# changes}`` is "1 change" when ``n`` is
    1 and "2 changes" (or "50+ changes") otherwise, ``#`` standing for the count. English needs
    it; Vietnamese nouns do not change with the count ("1 thay đổi", "2 thay đổi")."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" not in format_spec:
            return str(super().format_field(value, format_spec))
        one, many = format_spec.split("|", 1)
        return (one if str(value) == "1" else many).replace("#", str(value))


_FORMAT = _Counts()


def tr(key: str, lang: str = "vi", **values: Any) -> str:
    """The text of ``key`` in ``lang``; an unknown key shows as itself (and fails the tests)."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return _FORMAT.format(text, **values) if values else text


def error_text(code: str, lang: str) -> str:
    """A server error code (SYNC.md) as a sentence in the app's language."""
    return error_message(code, lang)


def device_error_text(error: DeviceError, lang: str) -> str:
    """A refusal of the device core (``mobile/core/errors.py``) in the app's language."""
    return tr("error." + error.code, lang, **error.details)


def issue_text(err: dict[str, Any], rec: Any, app: Any) -> str:
    """A refused change's error ``{field, code, message}``: the field's label and the reason."""
    lang = app.lang
    reason = error_message(str(err.get("code") or ""), lang)
    name = err.get("field")
    if not name:
        return reason
    label = str(name)
    if rec is not None and app.device is not None:
        fdef = app.device.forms.latest(rec.entity).field(str(name))
        if fdef is not None:
            label = label_of(fdef, app)
    return f"{label}: {reason}"


def label_of(fdef: FieldDef, app: Any) -> str:
    """A form field's label in the app's language; a unit field's by the server's tree
    ("Xã, phường, đặc khu" since the 2025 reform; the v1 form files cannot say it)."""
    tree = app.device.units_tree() if app.device is not None else None
    return field_label(fdef, app.lang, tree)


def who_text(app: Any) -> str:
    """What the signed-in user is, named for the user's units: "Cán bộ MTTQ tỉnh"."""
    dev = app.device
    units = [u for u in dev.units() if u.get("level")]
    return role_title(str(dev.user.get("role") or ""), units, dev.units_tree(), app.lang)


def day_text(iso_date: str) -> str:
    """A ``YYYY-MM-DD`` day as an officer writes it, ``dd/mm/yyyy``."""
    try:
        return datetime.strptime(iso_date[:10], "%Y-%m-%d").strftime("%d/%m/%Y")
    except ValueError:
        return iso_date


def local_time(iso: str) -> str:
    """An ISO UTC time as the device's local day and time."""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    return when.strftime("%d/%m/%Y %H:%M")
