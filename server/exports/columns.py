"""The columns of every export and each record's value in them (see :mod:`server.exports`).

``record_id, rev, unit, updated_at``, then the form's fields (the union over the entity's form
versions: the newest version's order, then fields only older versions had; a geopoint as four
numeric columns), then ``unit_name``, ``review_state``, ``review_comment``, ``form_id``,
``form_version`` and, with deleted records, a trailing ``deleted``. Choice values and the review
state come out as labels in the export's language. For people (``headers=labels``) a reference to
a residential area or a model is followed by ``<field>_name``, the referenced record's name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Row

from shared_schema.display import MULTI_SEPARATOR
from shared_schema.entities import REVIEW_STATE_LABELS, REVIEW_STATES
from shared_schema.forms import FieldDef, FormSet, load_default_forms
from shared_schema.titles import unit_field_label

__all__ = [
    "REVIEW_LABELS",
    "Column",
    "cell",
    "choice_labels",
    "entity_columns",
    "entity_title",
    "label",
    "number",
    "review_state_of",
    "utc",
]

REVIEW_LABELS = REVIEW_STATE_LABELS  # one wording of the states, the app's and the pages' too
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Column:
    """One output column: where its value comes from and how it is shown."""

    key: str  # the CSV header, a stable name
    label_vi: str
    label_en: str
    # a form field type, or "meta", "unit_name", "review_state", "deleted", "reference_name"
    type: str
    source: str  # the field (or row attribute) read
    part: str | None = None  # a geopoint's lat / lon / accuracy / altitude
    choices: dict[str, tuple[str, str]] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_vi


_GEO_PARTS = (
    ("lat", "vĩ độ", "latitude"),
    ("lon", "kinh độ", "longitude"),
    ("accuracy", "độ chính xác (m)", "accuracy (m)"),
    ("altitude", "độ cao (m)", "altitude (m)"),
)


def _leading(tree: str | None) -> tuple[Column, ...]:
    # The unit's words follow the server's tree: "xã, phường, đặc khu" since the 2025 reform.
    unit = unit_field_label(tree, "vi").lower()
    return (
        Column("record_id", "Mã bản ghi", "Record ID", "meta", "record_id"),
        Column("rev", "Số lần sửa", "Revision", "meta", "rev"),
        Column("unit", f"Mã {unit}", "Commune code", "meta", "unit"),
        Column("updated_at", "Cập nhật lúc (UTC)", "Updated at (UTC)", "meta", "updated_at"),
    )


def _trailing(include_deleted: bool, tree: str | None) -> tuple[Column, ...]:
    unit = unit_field_label(tree, "vi").lower()
    cols: tuple[Column, ...] = (
        Column("unit_name", f"Tên {unit}", "Commune name", "unit_name", "unit"),
        # The unit the record had before the 2025 reform moved it (empty for the others).
        Column(
            "unit_before_2025",
            "Mã đơn vị trước 1/7/2025",
            "Unit before 1 July 2025",
            "text",
            "unit_before_2025",
        ),
        Column("review_state", "Trạng thái duyệt", "Review state", "review_state", "review_state"),
        Column("review_comment", "Ý kiến duyệt", "Review comment", "text", "review_comment"),
        Column("form_id", "Mã biểu mẫu", "Form", "text", "form_id"),
        Column("form_version", "Phiên bản biểu mẫu", "Form version", "integer", "form_version"),
    )
    if include_deleted:
        cols += (Column("deleted", "Đã xoá", "Deleted", "deleted", "deleted"),)
    return cols


def _form_fields(forms: FormSet, entity: str) -> list[FieldDef]:
    """The union of the entity's form fields: newest version's order, then older-only fields."""
    versions = sorted(forms.for_entity(entity), key=lambda f: (f.version, f.form_id), reverse=True)
    seen: dict[str, FieldDef] = {}
    for form in versions:
        for f in form.fields:
            seen.setdefault(f.name, f)
    return [f for f in seen.values() if f.name != "unit"]


def choice_labels(forms: FormSet, entity: str, name: str) -> dict[str, tuple[str, str]]:
    """Choice labels of a field over every version of the entity's forms (newest wins)."""
    out: dict[str, tuple[str, str]] = {}
    for form in sorted(forms.for_entity(entity), key=lambda f: (f.version, f.form_id)):
        f = form.field(name)
        for c in (f.choices if f is not None else None) or ():
            out[c.value] = (c.label.vi, c.label.en)
    return out


# Referenced records shown by name beside their id when the export is for people.
NAMED_ENTITIES = ("residential_area", "model")
# In ``names``: a visit's id under this prefix → the id of its model, so that a photo of a visit
# is named with the visit's model (issue 18: the evidence sheet's model name was empty for them).
VISIT_MODEL = "visit-model:"


def model_of(fields: dict[str, Any], names: dict[str, str]) -> str | None:
    """The model a record belongs to: the one it names, else its visit's (through ``names``)."""
    model = fields.get("model")
    if isinstance(model, str) and model:
        return model
    visit = fields.get("visit")
    return names.get(VISIT_MODEL + visit) if isinstance(visit, str) else None


def entity_columns(
    entity: str,
    *,
    include_deleted: bool = False,
    forms: FormSet | None = None,
    names_beside: bool = False,
    tree: str | None = None,
) -> list[Column]:
    """The columns of an entity's CSV or sheet, in order (see the module docstring).

    ``names_beside``: after a reference to a residential area or a model, a column with its name.
    ``tree``: the server's (``legacy`` / ``current``), whose words name the unit's columns.
    """
    forms = forms or load_default_forms()
    cols = list(_leading(tree))
    for f in _form_fields(forms, entity):
        if names_beside and f.type == "reference" and f.reference_entity in NAMED_ENTITIES:
            cols.append(Column(f.name, f.label.vi, f.label.en, f.type, f.name))
            cols.append(
                Column(
                    f"{f.name}_name",
                    f"{f.label.vi} – tên",
                    f"{f.label.en} – name",
                    "reference_name",
                    f.name,
                )
            )
            continue
        if f.type == "geopoint":
            for part, vi, en in _GEO_PARTS:
                cols.append(
                    Column(
                        f"{f.name}_{part}",
                        f"{f.label.vi} – {vi}",
                        f"{f.label.en} – {en}",
                        "decimal",
                        f.name,
                        part,
                    )
                )
            continue
        choices = choice_labels(forms, entity, f.name) if f.choices else {}
        cols.append(Column(f.name, f.label.vi, f.label.en, f.type, f.name, None, choices))
    cols.extend(_trailing(include_deleted, tree))
    return cols


def label(labels: dict[str, tuple[str, str]], value: Any, lang: str) -> Any:
    pair = labels.get(value) if isinstance(value, str) else None
    if pair is None:
        return value
    return pair[1] if lang == "en" else pair[0]


def number(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def review_state_of(fields: dict[str, Any]) -> str:
    state = fields.get("review_state")
    return state if state in REVIEW_STATES else "pending"


def cell(
    col: Column, row: Row[Any], fields: dict[str, Any], lang: str, names: dict[str, str]
) -> Any:
    """A column's value for one record: str, int, float, bool, date, datetime or None.

    ``names`` maps unit codes, and the ids of residential areas and models already read, to names.
    Values that do not fit the column's type (data from an older form, say) come out as JSON text
    rather than being dropped.
    """
    t = col.type
    if t == "meta":
        if col.source == "local":
            when = utc(str(row.updated_at))
            return in_vietnam(when) if isinstance(when, datetime) else when
        value = getattr(row, col.source)
        return utc(value) if col.source == "updated_at" else value
    if t == "unit_name":
        return names.get(row.unit or "")
    if t == "reference_name":
        ref = model_of(fields, names) if col.source == "model" else fields.get(col.source)
        return names.get(ref) if isinstance(ref, str) else None
    if t == "deleted":
        return bool(row.deleted)
    if t == "review_state":
        return label(REVIEW_LABELS, review_state_of(fields), lang)
    value = fields.get(col.source)
    if value is None:
        return None
    if col.part is not None:
        return number(value.get(col.part)) if isinstance(value, dict) else None
    if t in ("integer", "decimal"):
        num = number(value)
        return num if num is not None else _json_text(value)
    if t == "date" and isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if t == "select_one":
        return label(col.choices, value, lang) if isinstance(value, str) else _json_text(value)
    if t == "select_multiple" and isinstance(value, list):
        return MULTI_SEPARATOR.join(str(label(col.choices, v, lang)) for v in value)
    if t == "attachment" and isinstance(value, dict):
        return value.get("sha256")
    if isinstance(value, str):
        return value
    return _json_text(value)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


# The xlsx is for people, who read Vietnam time as the pages show it (issue 18: the sheets were
# UTC while the web was UTC+7); the CSV stays UTC, for tools.
VIETNAM = timedelta(hours=7)
LOCAL_UPDATED_AT = Column(
    "updated_at", "Cập nhật lúc (giờ Việt Nam)", "Updated at (Vietnam, UTC+7)", "meta", "local"
)


def in_vietnam(when: datetime) -> datetime:
    """A naive UTC datetime as a naive Vietnam one (UTC+7, no summer time)."""
    return when + VIETNAM


def utc(stamp: str) -> datetime | str:
    """``2024-05-01T10:00:00.123Z`` as a naive UTC datetime (what a spreadsheet cell holds)."""
    try:
        return datetime.fromisoformat(stamp).astimezone(UTC).replace(tzinfo=None)
    except (TypeError, ValueError):
        return stamp


def entity_title(entity: str, lang: str, forms: FormSet) -> str:
    try:
        title = forms.latest(entity).title
    except KeyError:
        return entity
    return title.en if lang == "en" else title.vi
