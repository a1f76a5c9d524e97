"""pyxform's reading of an XLSForm → a form definition of this project, or the rows it refuses.

Input: the JSON pyxform makes of the workbook (``workbook_to_json``) and the workbook's raw rows
(for row numbers: pyxform's JSON has none). Output: the definition's JSON (then checked whole by
:class:`~shared_schema.form_definition.FormDefinition`), or :class:`Problem`s, one per cell that
cannot be mapped, each with its sheet, row, column and why, in Vietnamese and English.

The workbook's conventions (the README's "Forms as XLSForms"):
- ``settings``: ``form_id``, ``version`` (an integer), ``form_title`` (Vietnamese), ``title_en``,
  ``entity`` (one of the entities of SYNC.md);
- ``survey``: ``type``, ``name``, ``label::Vietnamese (vi)``, ``label::English (en)``, the same two
  for ``hint``, ``required``, ``relevant``, ``constraint``, ``default``, and ``dkst_type`` for the
  two types XLSForm has not: ``unit`` (the record's unit, on a ``text`` row) and
  ``reference <entity>`` (another record's id), and for a file's limits
  (``attachment max_size=N media_types=image/jpeg,application/pdf`` on an ``image``, ``audio`` or
  ``file`` row). A form without a ``unit`` row gets the shipped form's.
- ``choices``: ``list_name``, ``name``, the two labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from server.xlsform.constraints import constraints_of
from server.xlsform.rows import Problem, Rows, yes
from server.xlsform.xpath import SELF, XPathError, parse_xpath, to_expr
from shared_schema.entities import ENTITIES
from shared_schema.expr import compile_expr
from shared_schema.expr_nodes import FieldRef, Node
from shared_schema.fields import FieldDef
from shared_schema.form_files import load_default_forms

__all__ = ["MAX_CHOICES", "MAX_FIELDS", "UNIT_FIELD", "to_definition"]

MAX_FIELDS = 500
MAX_CHOICES = 2000
_TYPES = {
    "text": "text",
    "integer": "integer",
    "decimal": "decimal",
    "date": "date",
    "dateTime": "datetime",
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "geopoint": "geopoint",
    "photo": "attachment",
    "audio": "attachment",
    "file": "attachment",
}
_IGNORED = {"start", "end", "today", "deviceid", "username", "phonenumber", "simserial"}
UNIT_FIELD: dict[str, Any] = {
    "name": "unit",
    "type": "unit",
    "required": True,
    "label": {"vi": "Đơn vị", "en": "Unit"},
}


class _Mapper:
    def __init__(self, data: Mapping[str, Any], rows: Rows) -> None:
        self.data = data
        self.rows = rows
        self.problems: list[Problem] = []

    def refuse(self, name: str | None, column: str | None, vi: str, en: str) -> None:
        row = self.rows.survey_row(name or "")
        self.problems.append(Problem("survey", row, column, vi, en))

    def settings(self) -> dict[str, Any]:
        d = self.data
        out: dict[str, Any] = {"form_id": str(d.get("id_string") or "")}
        version = str(d.get("version") or "").strip()
        if not version.isdigit() or int(version) < 1:
            self.problems.append(
                Problem(
                    "settings",
                    2,
                    "version",
                    f"phiên bản “{version}” phải là số nguyên dương (1, 2, 3…)",
                    f"version {version!r} must be a positive integer",
                )
            )
        else:
            out["version"] = int(version)
        entity = str(d.get("entity") or "").strip()
        if entity not in ENTITIES:
            self.problems.append(
                Problem(
                    "settings",
                    2,
                    "entity",
                    f"loại bản ghi “{entity}” phải là một trong: {', '.join(ENTITIES)}",
                    f"entity {entity!r} must be one of {', '.join(ENTITIES)}",
                )
            )
        out["entity"] = entity
        raw = self.rows.settings
        vi = str(raw.get("form_title") or d.get("title") or "").strip()
        en = str(raw.get("title_en") or "").strip() or vi
        out["title"] = {"vi": vi, "en": en}
        return out

    def field(self, q: Mapping[str, Any]) -> dict[str, Any] | None:
        name = str(q.get("name") or "")
        qtype = str(q.get("type") or "")
        if qtype in ("group", "repeat"):
            self.refuse(
                name,
                "type",
                "nhóm và lặp lại chưa được hỗ trợ",
                "groups and repeats are not supported",
            )
            return None
        if qtype in _IGNORED:
            return None
        ftype = _TYPES.get(qtype)
        if ftype is None:
            self.refuse(
                name,
                "type",
                f"loại câu hỏi “{qtype}” không có trong biểu mẫu của hệ thống",
                f"question type {qtype!r} has no counterpart here",
            )
            return None
        extra = str(q.get("dkst_type") or "").split()
        if name == "unit" and ftype == "text" and not extra:
            extra = ["unit"]  # every form's unit field: XLSForm has no such type
        reference_entity = None
        file_limits: dict[str, Any] = {}
        if extra and ftype == "attachment" and extra[0] == "attachment":
            file_limits, extra = _file_limits(extra[1:]), []
        if extra:
            if ftype != "text" or extra[0] not in ("unit", "reference"):
                self.refuse(
                    name,
                    "dkst_type",
                    "dkst_type chỉ nhận “unit” hoặc “reference <loại>” trên câu hỏi text",
                    "dkst_type takes 'unit' or 'reference <entity>', on a text row",
                )
                return None
            ftype = extra[0]
            if ftype == "reference":
                reference_entity = extra[1] if len(extra) == 2 else ""
        for column in ("choice_filter", "trigger", "calculation"):
            if q.get(column):
                self.refuse(
                    name, column, f"cột {column} chưa được hỗ trợ", f"{column} is not supported"
                )
                return None
        bind = q.get("bind") or {}
        out: dict[str, Any] = {"name": name, "type": ftype}
        required = yes(bind.get("required"))
        if required is None:
            self.refuse(
                name,
                "required",
                "required chỉ nhận yes hoặc để trống (không nhận biểu thức)",
                "required takes yes or nothing (no expression)",
            )
        out["required"] = bool(required)
        label = self.rows.texts(name, "label")
        if "vi" not in label:
            self.refuse(
                name, "label::Vietnamese (vi)", "thiếu nhãn tiếng Việt", "no Vietnamese label"
            )
            return None
        label.setdefault("en", label["vi"])
        out["label"] = label
        hint = self.rows.texts(name, "hint")
        if hint:
            hint.setdefault("en", hint.get("vi", ""))
            hint.setdefault("vi", hint["en"])
            out["hint"] = hint
        if reference_entity is not None:
            out["reference_entity"] = reference_entity
        if ftype in ("select_one", "select_multiple"):
            out["choices"] = self.choices(name, q)
        relevant = bind.get("relevant")
        if relevant:
            out["relevant"] = self.expression(name, "relevant", str(relevant))
        if file_limits:
            out["constraints"] = file_limits
        constraint = bind.get("constraint")
        if constraint:
            try:
                out["constraints"] = constraints_of(name, ftype, str(constraint))
            except XPathError as exc:
                self.refuse(name, "constraint", exc.vi, exc.en)
        if q.get("default") not in (None, ""):
            out["default"] = _typed(ftype, str(q["default"]))
        return out

    def choices(self, name: str, q: Mapping[str, Any]) -> list[dict[str, Any]]:
        out = []
        list_name = str(q.get("list_name") or q.get("itemset") or "")
        for c in q.get("choices") or ():
            value = str(c.get("name") or "")
            label = self.rows.choice_texts(list_name, value)
            if "vi" not in label:
                row = self.rows.choices.get((list_name, value), (None, {}))[0]
                self.problems.append(
                    Problem(
                        "choices",
                        row,
                        "label::Vietnamese (vi)",
                        f"lựa chọn “{value}” của danh sách “{list_name}” thiếu nhãn tiếng Việt",
                        f"choice {value!r} of list {list_name!r} has no Vietnamese label",
                    )
                )
                continue
            label.setdefault("en", label["vi"])
            out.append({"value": value, "label": label})
        if len(out) > MAX_CHOICES:
            self.refuse(
                name, "type", f"quá {MAX_CHOICES} lựa chọn", f"more than {MAX_CHOICES} choices"
            )
        return out

    def expression(self, name: str, column: str, text: str) -> str | None:
        try:
            node = parse_xpath(text)
        except XPathError as exc:
            self.refuse(name, column, exc.vi, exc.en)
            return None
        if _uses_self(node):
            self.refuse(
                name,
                column,
                "relevant không dùng được “.”; hãy viết ${tên}",
                "relevant cannot use '.'; write ${name}",
            )
            return None
        return to_expr(node)


def _uses_self(node: Node) -> bool:
    if isinstance(node, FieldRef):
        return node.name == SELF
    children: tuple[Any, ...] = tuple(getattr(node, s) for s in getattr(node, "__slots__", ()))
    flat: list[Any] = []
    for c in children:
        flat.extend(c if isinstance(c, tuple) else (c,))
    return any(
        _uses_self(c) for c in flat if not isinstance(c, str | int | float | bool | type(None))
    )


def _file_limits(tokens: list[str]) -> dict[str, Any]:
    """``max_size=N media_types=a/b,c/d`` of an attachment row's ``dkst_type`` (the writer's)."""
    out: dict[str, Any] = {}
    for token in tokens:
        key, _, value = token.partition("=")
        if key == "max_size" and value.isdigit():
            out["max_size"] = int(value)
        elif key == "media_types" and value:
            out["media_types"] = value.split(",")
    return out


def _unit_field(entity: str) -> dict[str, Any]:
    """The unit field a form without one gets: the shipped form's of its entity (same words)."""
    try:
        shipped = load_default_forms().latest(entity).field("unit")
    except KeyError:
        shipped = None
    if shipped is None:
        return dict(UNIT_FIELD)
    return shipped.model_dump(mode="json", exclude_none=True)


def _typed(ftype: str, text: str) -> Any:
    if ftype == "integer" and text.lstrip("-").isdigit():
        return int(text)
    if ftype == "decimal":
        try:
            return float(text)
        except ValueError:
            return text
    if ftype == "select_multiple":
        return text.split()
    return text


def _questions(children: Any) -> list[Mapping[str, Any]]:
    return [
        c
        for c in children or ()
        if isinstance(c, Mapping) and not (c.get("type") == "group" and c.get("name") == "meta")
    ]


def to_definition(
    data: Mapping[str, Any], rows: Rows
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The definition's JSON, or ``None`` and every problem found (all rows, not the first)."""
    m = _Mapper(data, rows)
    out = m.settings()
    questions = _questions(data.get("children"))
    if len(questions) > MAX_FIELDS:
        m.problems.append(
            Problem(
                "survey",
                None,
                None,
                f"quá {MAX_FIELDS} câu hỏi",
                f"more than {MAX_FIELDS} questions",
            )
        )
        return None, m.problems
    fields = []
    for q in questions:
        f = m.field(q)
        if f is None:
            continue
        try:
            FieldDef.model_validate(f)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            ctx = (first.get("ctx") or {}).get("error")
            why = str(ctx) if ctx else first["msg"]
            m.refuse(f["name"], None, f"câu hỏi “{f['name']}” không hợp lệ: {why}", why)
            continue
        fields.append(f)
    if not any(f["name"] == "unit" for f in fields):
        fields.insert(0, _unit_field(out["entity"]))
    names = {f["name"] for f in fields}
    for f in fields:
        refs = compile_expr(f["relevant"]).fields if f.get("relevant") else frozenset()
        unknown = sorted(refs - names) + ([f["name"]] if f["name"] in refs else [])
        if unknown:
            m.refuse(
                f["name"],
                "relevant",
                f"relevant nhắc tới câu hỏi không có hoặc chính nó: {', '.join(unknown)}",
                f"relevant names a missing field or the field itself: {', '.join(unknown)}",
            )
    out["fields"] = fields
    return (None if m.problems else out), m.problems
