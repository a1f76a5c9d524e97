"""One field of a form: its name, type, labels, choices, constraints, skip logic and default.

Field names share the namespace of the ``relevant`` language (:mod:`shared_schema.expr`), so a
name is never one of its keywords. A definition that exists is consistent: choices only for the
select types, ``reference_entity`` only for references, constraints that fit the type, a
``relevant`` expression that parses, and a ``default`` that the field's own value rule
(:mod:`shared_schema.values`) accepts.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    field_validator,
    model_validator,
)

from shared_schema.constraints import Constraints, check_constraints
from shared_schema.entities import ENTITIES
from shared_schema.expr import KEYWORDS, ExprError, compile_expr
from shared_schema.text import nfc
from shared_schema.values import value_problem
from shared_schema.wire import I18nText

__all__ = ["FIELD_TYPES", "NAME_RE", "Choice", "FieldDef", "FieldType", "I18nLabel", "Label"]

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

# A field's name, and a form's id (shared_schema.form_definition).
NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SELECT_TYPES = frozenset({"select_one", "select_multiple"})


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


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: StrictStr = Field(min_length=1, max_length=100)
    label: Label

    @field_validator("value")
    @classmethod
    def _value_clean(cls, value: str) -> str:
        if value != value.strip() or nfc(value) != value:
            raise ValueError("choice value must be NFC without surrounding spaces")
        return value


class FieldDef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

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
