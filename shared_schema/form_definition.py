"""A form version (:class:`FormDefinition`) and a set of versions (:class:`FormSet`).

A version never changes once published (SYNC.md), so the models are frozen and ``sha256`` (of
the canonical JSON) lets a device tell whether its cached copy is current. ``form_id``,
``form_version``, ``review_state``, ``review_comment`` are system fields that no form lists;
``unit`` is the one system field every form lists, required and of type ``unit``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from functools import cached_property

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, model_validator

from shared_schema.entities import ENTITIES, SYSTEM_FIELDS
from shared_schema.expr import compile_expr
from shared_schema.fields import NAME_RE, FieldDef, Label
from shared_schema.merge import canonical
from shared_schema.wire import FormSummary, I18nText

__all__ = ["FormDefinition", "FormLoadError", "FormSet"]

# System fields a form must not list: the server and the review workflow own them.
_RESERVED_NAMES = SYSTEM_FIELDS - {"unit"}


class FormLoadError(ValueError):
    """A form definition that is malformed; the message names the source and the field."""


class FormDefinition(BaseModel):
    """One immutable version of a form. ``fields`` is a tuple (dumped as a JSON list)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
