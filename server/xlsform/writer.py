"""A form definition written as an XLSForm workbook (``.xlsx``), in the conventions that
:mod:`server.xlsform.mapping` reads, so that publishing the file back gives the same definition
(the round trip of issue 20, tested). ODK, Kobo or SurveyCTO open it as any XLSForm: the two
types XLSForm has not (``unit``, ``reference``) are ``text`` rows with a ``dkst_type`` column.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from server.xlsform.constraints import constraints_xpath
from server.xlsform.xpath import to_xpath
from shared_schema.expr import compile_expr
from shared_schema.forms import FieldDef, FormDefinition

__all__ = ["SURVEY_COLUMNS", "xlsform_bytes"]

VI, EN = "Vietnamese (vi)", "English (en)"
SURVEY_COLUMNS = (
    "type",
    "name",
    f"label::{VI}",
    f"label::{EN}",
    f"hint::{VI}",
    f"hint::{EN}",
    "required",
    "relevant",
    "constraint",
    "default",
    "dkst_type",
)
_PLAIN = {"text", "integer", "decimal", "date", "geopoint"}


def _attachment_type(f: FieldDef) -> str:
    kinds = {t.split("/")[0] for t in (f.constraints.media_types or ())} if f.constraints else set()
    return "image" if kinds == {"image"} else "audio" if kinds == {"audio"} else "file"


def _type(f: FieldDef) -> tuple[str, str]:
    """``(type, dkst_type)`` of a field's survey row."""
    if f.type in _PLAIN:
        return f.type, ""
    if f.type == "datetime":
        return "dateTime", ""
    if f.type in ("select_one", "select_multiple"):
        return f"{f.type} {f.name}", ""
    if f.type == "attachment":
        c = f.constraints
        limits = []  # what XLSForm cannot say of a file, kept for the way back
        if c is not None and c.max_size is not None:
            limits.append(f"max_size={c.max_size}")
        if c is not None and c.media_types:
            limits.append("media_types=" + ",".join(c.media_types))
        return _attachment_type(f), " ".join(["attachment", *limits]) if limits else ""
    if f.type == "unit":
        return "text", "unit"
    return "text", f"reference {f.reference_entity}"


def _default(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _survey_row(f: FieldDef) -> list[Any]:
    ftype, dkst_type = _type(f)
    constraint = ""
    if f.constraints is not None and f.type != "attachment":
        constraint = constraints_xpath(f.constraints)
    return [
        ftype,
        f.name,
        f.label.vi,
        f.label.en,
        f.hint.vi if f.hint else "",
        f.hint.en if f.hint else "",
        "yes" if f.required else "",
        to_xpath(compile_expr(f.relevant).ast) if f.relevant else "",
        constraint,
        _default(f.default),
        dkst_type,
    ]


def xlsform_bytes(form: FormDefinition) -> bytes:
    """The ``.xlsx`` of ``form``: sheets ``survey``, ``choices``, ``settings``."""
    wb = Workbook()
    survey = wb.active
    assert survey is not None
    survey.title = "survey"
    survey.append(list(SURVEY_COLUMNS))
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", f"label::{VI}", f"label::{EN}"])
    for f in form.fields:
        survey.append(_survey_row(f))
        for c in f.choices or ():
            choices.append([f.name, c.value, c.label.vi, c.label.en])
    settings = wb.create_sheet("settings")
    settings.append(["form_id", "version", "form_title", "title_en", "entity", "default_language"])
    settings.append(
        [form.form_id, str(form.version), form.title.vi, form.title.en, form.entity, VI]
    )
    for sheet in (survey, choices, settings):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for col, width in zip(
            "ABCDEFGHIJK", (22, 24, 40, 40, 30, 30, 10, 30, 30, 14, 28), strict=False
        ):
            sheet.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
