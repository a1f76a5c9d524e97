"""Form definitions: what fields a record of each entity has, as immutable pydantic models.

A form version is a JSON file, ``<form_id>.v<version>.json``; the default set ships in
``shared_schema/data/forms/``. Versions never change once published (SYNC.md), so the models are
frozen and ``sha256`` (of the canonical JSON) lets a device tell whether its cached copy is current.

Every check runs when a definition is built, whatever its source (package file, an
administrator's upload, a device's cache of ``GET /forms/{id}/{version}``): a definition that
exists is consistent. The loaders turn pydantic's errors into one :class:`FormLoadError` whose
message names the file and the field, e.g.
``dkst_model.v1.json: fields[3] 'status': select_one needs choices``.

Field names share the namespace of the ``relevant`` language (:mod:`shared_schema.expr`), and
``form_id``, ``form_version``, ``review_state``, ``review_comment`` are system fields that no form
lists; ``unit`` is the one system field every form lists, required and of type ``unit``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache, cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)

from shared_schema.constraints import Constraints, Count, FiniteFloat, check_constraints
from shared_schema.entities import ENTITIES, SYSTEM_FIELDS
from shared_schema.expr import KEYWORDS, ExprError, compile_expr
from shared_schema.media import MEDIA_TYPES
from shared_schema.merge import canonical
from shared_schema.text import nfc
from shared_schema.values import value_problem
from shared_schema.wire import FormSummary, I18nText

__all__ = [
    "FIELD_TYPES",
    "MEDIA_TYPES",
    "Choice",
    "Constraints",
    "Count",
    "FieldDef",
    "FieldType",
    "FiniteFloat",
    "FormDefinition",
    "FormLoadError",
    "FormSet",
    "I18nLabel",
    "load_default_forms",
    "load_form_file",
    "load_forms_dir",
    "parse_form",
]

FieldType = Literal[
    "text",
    "integer",
    "decimal",
    "date",
    "datetime",
    "select_one",
    "select_multiple",
    "geopoint",
    "attachment",
    "unit",
    "reference",
]
FIELD_TYPES: tuple[str, ...] = FieldType.__args__  # type: ignore[attr-defined]


NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_FILE_NAME_RE = re.compile(
    r"(?P<form_id>[a-z][a-z0-9_]{0,63})\.v(?P<version>[1-9][0-9]{0,8})\.json"
)
# System fields a form must not list: the server and the review workflow own them.
_RESERVED_NAMES = SYSTEM_FIELDS - {"unit"}
_SELECT_TYPES = frozenset({"select_one", "select_multiple"})


class FormLoadError(ValueError):
    """A form definition that is malformed; the message names the source and the field."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class I18nLabel(I18nText):
    """:class:`I18nText`, frozen, non-empty and NFC (what labels in a published form must be)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("vi", "en")
    @classmethod
    def _clean(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        if nfc(value) != value:
            raise ValueError("must be Unicode NFC")
        return value

    @model_validator(mode="before")
    @classmethod
    def _from_model(cls, data: Any) -> Any:
        # Accept a plain (unfrozen) wire I18nText as well as a dict.
        return data.model_dump() if isinstance(data, I18nText) else data


# Callers pass plain wire ``I18nText`` (or dicts); pydantic turns them into the frozen subclass.
# Type checkers only need to know it is an ``I18nText``.
if TYPE_CHECKING:
    Label = I18nText
else:
    Label = I18nLabel


class Choice(_Frozen):
    value: StrictStr = Field(min_length=1, max_length=100)
    label: Label

    @field_validator("value")
    @classmethod
    def _value_clean(cls, value: str) -> str:
        if value != value.strip() or nfc(value) != value:
            raise ValueError("choice value must be NFC without surrounding spaces")
        return value


class FieldDef(_Frozen):
    name: StrictStr
    type: FieldType
    required: StrictBool = False
    label: Label
    hint: Label | None = None
    choices: tuple[Choice, ...] | None = None
    constraints: Constraints | None = None
    relevant: StrictStr | None = None
    default: Any | None = None
    reference_entity: StrictStr | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FieldDef:
        if not NAME_RE.fullmatch(self.name) or self.name in KEYWORDS:
            raise ValueError(
                f"name {self.name!r} must match [a-z][a-z0-9_]* (at most 64) and not be a keyword"
            )
        if self.type in _SELECT_TYPES:
            if not self.choices:
                raise ValueError(f"{self.type} needs choices")
            values = [c.value for c in self.choices]
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"duplicate choice values {dupes}")
        elif self.choices is not None:
            raise ValueError(f"choices are only for select types, not {self.type}")
        if self.type == "reference":
            if self.reference_entity not in ENTITIES:
                raise ValueError(f"reference needs reference_entity, one of {list(ENTITIES)}")
        elif self.reference_entity is not None:
            raise ValueError(f"reference_entity is only for reference fields, not {self.type}")
        if self.constraints is not None:
            check_constraints(self.type, self.constraints)
        if self.relevant is not None:
            try:
                compile_expr(self.relevant)
            except ExprError as exc:
                raise ValueError(f"relevant: {exc}") from None
        if self.default is not None:
            problem = value_problem(self, self.default)
            if problem is not None:
                raise ValueError(f"default {self.default!r} is not valid: {problem}")
        return self

    @cached_property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices or ())

    def choice_label(self, value: str, lang: str = "vi") -> str | None:
        """The label of a choice value in ``lang`` ("vi" or "en"), or ``None`` if not a choice."""
        for c in self.choices or ():
            if c.value == value:
                return c.label.en if lang == "en" else c.label.vi
        return None


class FormDefinition(_Frozen):
    """One immutable version of a form. ``fields`` is a tuple (dumped as a JSON list)."""

    form_id: StrictStr
    version: StrictInt
    entity: StrictStr
    title: Label
    fields: tuple[FieldDef, ...]

    @model_validator(mode="after")
    def _consistent(self) -> FormDefinition:
        if not NAME_RE.fullmatch(self.form_id):
            raise ValueError(f"form_id {self.form_id!r} must match [a-z][a-z0-9_]* (at most 64)")
        if self.version < 1:
            raise ValueError("version must be >= 1")
        if self.entity not in ENTITIES:
            raise ValueError(f"entity {self.entity!r} is not one of {list(ENTITIES)}")
        seen: dict[str, int] = {}
        for i, f in enumerate(self.fields):
            where = f"fields[{i}] {f.name!r}"
            if f.name in seen:
                raise ValueError(f"{where}: duplicate name (also fields[{seen[f.name]}])")
            seen[f.name] = i
            if f.name in _RESERVED_NAMES:
                raise ValueError(f"{where}: is a system field, which forms do not list")
        unit = next((f for f in self.fields if f.name == "unit"), None)
        if unit is None:
            raise ValueError("fields: every form needs a field 'unit' (type unit, required)")
        if unit.type != "unit" or not unit.required or unit.relevant is not None:
            i = seen["unit"]
            raise ValueError(f"fields[{i}] 'unit': must be of type unit, required, always relevant")
        for i, f in enumerate(self.fields):
            if f.relevant is None:
                continue
            refs = compile_expr(f.relevant).fields
            unknown = sorted(refs - seen.keys())
            if unknown:
                raise ValueError(f"fields[{i}] {f.name!r}: relevant refers to unknown {unknown}")
            if f.name in refs:
                raise ValueError(f"fields[{i}] {f.name!r}: relevant refers to the field itself")
        return self

    # A plain cached attribute: pydantic's private attributes go through a slow __getattr__, and
    # validation looks fields up ~17 times per change.
    @cached_property
    def fields_by_name(self) -> dict[str, FieldDef]:
        return {f.name: f for f in self.fields}

    @cached_property
    def required_fields(self) -> tuple[FieldDef, ...]:
        """The required fields, in the form's order (what a new record's check walks)."""
        return tuple(f for f in self.fields if f.required)

    def field(self, name: str) -> FieldDef | None:
        return self.fields_by_name.get(name) if isinstance(name, str) else None

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of the definition."""
        return hashlib.sha256(canonical(self.model_dump(mode="json")).encode()).hexdigest()

    def summary(self) -> FormSummary:
        """The ``GET /forms`` list entry of this form."""
        return FormSummary(
            form_id=self.form_id,
            version=self.version,
            entity=self.entity,
            sha256=self.sha256,
            title=I18nText(vi=self.title.vi, en=self.title.en),
        )


class FormSet:
    """An immutable collection of form versions, at most one per ``(form_id, version)``."""

    def __init__(self, forms: Iterable[FormDefinition] = ()) -> None:
        by_key: dict[tuple[str, int], FormDefinition] = {}
        entity_of: dict[str, str] = {}
        for form in forms:
            key = (form.form_id, form.version)
            if key in by_key:
                raise FormLoadError(f"{form.form_id} v{form.version}: defined twice")
            if entity_of.setdefault(form.form_id, form.entity) != form.entity:
                raise FormLoadError(
                    f"{form.form_id} v{form.version}: entity {form.entity!r}, but another version"
                    f" of this form is for {entity_of[form.form_id]!r}"
                )
            by_key[key] = form
        self._forms = dict(sorted(by_key.items()))

    def get(self, form_id: str, version: int) -> FormDefinition | None:
        if (
            not isinstance(form_id, str)
            or isinstance(version, bool)
            or not isinstance(version, int)
        ):
            return None  # ids straight from a client's fields may be anything
        return self._forms.get((form_id, version))

    def all(self) -> list[FormDefinition]:
        """Every form, sorted by ``(form_id, version)``."""
        return list(self._forms.values())

    def for_entity(self, entity: str) -> list[FormDefinition]:
        """The entity's forms, sorted by ``(form_id, version)``."""
        return [f for f in self._forms.values() if f.entity == entity]

    def latest(self, entity: str) -> FormDefinition:
        """The entity's form of the highest version (ties: the greatest ``form_id``).

        Raises ``KeyError`` when the set has no form for ``entity``.
        """
        forms = self.for_entity(entity)
        if not forms:
            raise KeyError(entity)
        return max(forms, key=lambda f: (f.version, f.form_id))

    def __iter__(self) -> Iterator[FormDefinition]:
        return iter(self._forms.values())

    def __len__(self) -> int:
        return len(self._forms)

    def __contains__(self, key: object) -> bool:
        return key in self._forms

    def __repr__(self) -> str:
        return f"FormSet({[f'{k[0]}.v{k[1]}' for k in self._forms]})"


# ---------------------------------------------------------------------------- loading
def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _where(loc: tuple[int | str, ...], data: Any) -> str:
    """``("fields", 3, "choices", 0)`` → ``fields[3] 'status': choices[0]``, names from ``data``."""
    parts: list[str] = []
    node = data
    i = 0
    while i < len(loc):
        key = loc[i]
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if key == "fields" and isinstance(nxt, int) and not parts:
            name = None
            if isinstance(node, Mapping) and isinstance(node.get("fields"), list):
                items = node["fields"]
                if 0 <= nxt < len(items) and isinstance(items[nxt], Mapping):
                    name = items[nxt].get("name")
                    node = items[nxt]
            parts.append(f"fields[{nxt}]" + (f" {name!r}" if isinstance(name, str) else "") + ":")
            i += 2
            continue
        if isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            parts.append(("." if parts and not parts[-1].endswith(":") else " ") + key)
        i += 1
    return "".join(parts).strip().rstrip(":")


def _describe(exc: ValidationError, data: Any) -> str:
    messages = []
    for err in exc.errors(include_url=False):
        ctx_error = (err.get("ctx") or {}).get("error")
        msg = str(ctx_error) if err["type"] == "value_error" and ctx_error else err["msg"]
        # Tuples hold the JSON lists of a form; "tuple" would only puzzle a form's author.
        msg = msg.replace("valid tuple", "valid list")
        # Union members add their type name to the location; it only confuses the reader.
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
        where = _where(loc, data)
        messages.append(f"{where}: {msg}" if where else msg)
    text = messages[0]
    if len(messages) > 1:
        text += f" (and {len(messages) - 1} more problem(s))"
    return text


def parse_form(data: Any, *, source: str = "<form>") -> FormDefinition:
    """Build a definition from parsed JSON; a bad one raises :class:`FormLoadError`."""
    try:
        return FormDefinition.model_validate(data)
    except ValidationError as exc:
        raise FormLoadError(f"{source}: {_describe(exc, data)}") from None


def _parse_text(raw: bytes, source: str) -> FormDefinition:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormLoadError(f"{source}: not UTF-8 (byte {exc.start})") from None
    if nfc(text) != text:
        line = next(n for n, ln in enumerate(text.splitlines(), 1) if nfc(ln) != ln)
        raise FormLoadError(f"{source}: line {line}: text is not Unicode NFC")
    try:
        data = json.loads(
            text, object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise FormLoadError(f"{source}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise FormLoadError(f"{source}: {exc or 'nested too deeply'}") from None
    if not isinstance(data, dict):
        raise FormLoadError(f"{source}: a form file holds one JSON object")
    return parse_form(data, source=source)


def _traversable(path: str | os.PathLike[str] | Traversable) -> Traversable:
    return Path(path) if isinstance(path, str | os.PathLike) else path


def load_form_file(path: str | os.PathLike[str] | Traversable) -> FormDefinition:
    """Load one form file (any name); raise :class:`FormLoadError` if it is malformed."""
    entry = _traversable(path)
    try:
        raw = entry.read_bytes()
    except OSError as exc:
        raise FormLoadError(f"{entry.name}: cannot read: {exc.strerror or exc}") from None
    return _parse_text(raw, entry.name)


def _load_dir(directory: Traversable) -> FormSet:
    forms = []
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".json") or not entry.is_file():
            continue
        form = load_form_file(entry)
        m = _FILE_NAME_RE.fullmatch(entry.name)
        if m is None or (m["form_id"], int(m["version"])) != (form.form_id, form.version):
            raise FormLoadError(
                f"{entry.name}: file name must be {form.form_id}.v{form.version}.json"
            )
        forms.append(form)
    return FormSet(forms)


def load_forms_dir(path: str | os.PathLike[str] | Traversable) -> FormSet:
    """Load every ``<form_id>.v<version>.json`` of a directory (other files are ignored)."""
    directory = _traversable(path)
    if not directory.is_dir():
        raise FormLoadError(f"{directory.name}: not a directory")
    return _load_dir(directory)


@cache
def load_default_forms() -> FormSet:
    """The forms shipped with the package ("Đoàn kết sáng tạo v1"); loaded once per process."""
    return _load_dir(resources.files("shared_schema") / "data" / "forms")
