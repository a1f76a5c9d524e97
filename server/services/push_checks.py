"""The checks of one change of a push (SYNC.md "Push"): scope first, then the form and its
fields against the record's merged state, then the records its references name.

``services.push`` calls :func:`check_change` for every change it is about to merge; the record as
the push loaded it is a :class:`PushRecord`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.services.auth import Principal
from shared_schema.errors import ChangeErrorCode, error_message
from shared_schema.forms import FormDefinition, FormSet, load_default_forms
from shared_schema.levels import level_issues, waived_required
from shared_schema.merge import Change, RecordState, canonical
from shared_schema.validation import validate

__all__ = ["REFERENCE_NAMES", "Batch", "PushRecord", "check_change", "err", "form_for"]

_FORM_KEYS = ("form_id", "form_version")

# Field names that are a reference in some form (a model's residential_area, a visit's model…).
REFERENCE_NAMES = frozenset(
    f.name for form in load_default_forms().all() for f in form.fields if f.type == "reference"
)


@dataclass
class PushRecord:
    state: RecordState
    unit: str | None
    form_id: str | None
    form_version: int | None
    created_at: str
    exists: bool  # a row is in the database already
    seq: int = 0
    dirty: bool = False


def err(
    field: str | None, code: ChangeErrorCode, lang: str, message: str | None = None
) -> dict[str, Any]:
    return {"field": field, "code": code.value, "message": message or error_message(code, lang)}


def form_for(forms: FormSet, fields: dict[str, Any]) -> FormDefinition | None:
    fid, ver = fields.get("form_id"), fields.get("form_version")
    if not isinstance(fid, str) or isinstance(ver, bool) or not isinstance(ver, int):
        return None
    return forms.get(fid, ver)


@dataclass(frozen=True)
class Batch:
    """What every change of one push is checked against."""

    principal: Principal
    forms: FormSet
    lang: str
    levels: dict[str, str]  # unit code → level, of the units the batch names
    recs: dict[str, PushRecord]  # the batch's records so far, new ones included
    targets: dict[str, tuple[str, str | None]]  # other referenced ids → (entity, unit)
    # (form_id, version) of a version published as an XLSForm → the unit that published it
    owners: dict[tuple[str, int], str] = field(default_factory=dict)
    ancestors: dict[str, frozenset[str]] = field(default_factory=dict)  # unit → itself and above

    def may_use(self, form: FormDefinition, unit: str) -> bool:
        """A published version serves only the units under the one that published it."""
        owner = self.owners.get((form.form_id, form.version))
        return owner is None or owner in self.ancestors.get(unit, frozenset())


def _scope_and_fields(change: Change, rec: PushRecord | None, batch: Batch) -> list[dict[str, Any]]:
    """Scope, form and field checks of one change against the record's merged state.

    Scope comes first, tombstones included: out of scope is ``out_of_scope`` whatever the record's
    state, so a write never tells another scope that a record exists or was deleted.
    """
    if rec is not None and rec.state.deleted:
        if rec.unit is not None and not batch.principal.in_scope(rec.unit):
            return [err("unit", ChangeErrorCode.OUT_OF_SCOPE, batch.lang)]
        unit = change.fields.get("unit")
        if rec.unit is None and isinstance(unit, str) and not batch.principal.in_scope(unit):
            # A tombstone of a record never seen has no unit: the late create names one.
            return [err("unit", ChangeErrorCode.OUT_OF_SCOPE, batch.lang)]
        return []  # merge answers record_deleted (upsert) or keeps the tombstone (delete)
    if rec is None:
        if change.op == "delete":
            return []  # a tombstone of a record never seen: no unit, no one pulls it
        unit = change.fields.get("unit")
        if unit is None:
            return [err("unit", ChangeErrorCode.REQUIRED, batch.lang)]
        if not isinstance(unit, str):
            return [err("unit", ChangeErrorCode.INVALID_VALUE, batch.lang)]
        if not batch.principal.in_scope(unit):
            return [err("unit", ChangeErrorCode.OUT_OF_SCOPE, batch.lang)]
        level = batch.levels.get(unit)
        wrong_level = level_issues(change.entity, level, change.fields)
        if wrong_level:  # e.g. a residential area of a district, a district model in a thôn
            return [err(f, code, batch.lang) for f, code in wrong_level]
        form = form_for(batch.forms, change.fields)
        if form is None or form.entity != change.entity or not batch.may_use(form, unit):
            return [err("form_id", ChangeErrorCode.UNKNOWN_FORM, batch.lang)]
        waived = waived_required(change.entity, level)
        return [
            err(i.field, i.code, batch.lang, i.message)
            for i in validate(form, change.fields, lang=batch.lang)
            if not (i.field in waived and i.code == ChangeErrorCode.REQUIRED)
        ]
    if not batch.principal.in_scope(rec.unit):
        return [err("unit", ChangeErrorCode.OUT_OF_SCOPE, batch.lang)]
    if rec.state.entity != change.entity:
        return [
            err("entity", ChangeErrorCode.INVALID_CHANGE, batch.lang)
        ]  # a record_id of another entity
    if change.op == "delete":
        return []
    current = rec.state.fields
    errs: list[dict[str, Any]] = []
    for key in _FORM_KEYS:
        if key in change.fields and canonical(change.fields[key]) != canonical(current.get(key)):
            errs.append(err(key, ChangeErrorCode.INVALID_VALUE, batch.lang))
    if errs:
        return errs
    form = form_for(batch.forms, current)
    if form is None:
        return [err("form_id", ChangeErrorCode.UNKNOWN_FORM, batch.lang)]
    if "unit" in change.fields and canonical(change.fields["unit"]) != canonical(
        current.get("unit")
    ):
        return [err("unit", ChangeErrorCode.UNIT_IMMUTABLE, batch.lang)]
    level = batch.levels.get(rec.unit or "")
    waived = waived_required(change.entity, level)
    errs = [
        err(f, code, batch.lang)
        for f, code in level_issues(change.entity, level, change.fields)
        if f != "unit"
    ]
    return errs + [
        err(i.field, i.code, batch.lang, i.message)
        for i in validate(form, change.fields, current=current, lang=batch.lang)
        if not (i.field in waived and i.code == ChangeErrorCode.REQUIRED)
    ]


def _reference_errors(change: Change, rec: PushRecord | None, batch: Batch) -> list[dict[str, Any]]:
    """A reference to a record the server knows must lie in the writer's scope and in the
    record's own unit, and be of the entity the field names (issue 16: a model named another
    commune's residential area). An id the server has not seen yet is accepted: the device may
    name a record it will send later, and nothing is shown of it until it exists, in scope.

    Scope comes first, so that a reference out of scope says nothing of what it names.
    """
    if change.op != "upsert":
        return []
    fields = change.fields if rec is None else rec.state.fields
    form = form_for(batch.forms, fields)
    unit = change.fields.get("unit") if rec is None else rec.unit
    if form is None:
        return []
    errs = []
    for fdef in form.fields:
        value = change.fields.get(fdef.name)
        if fdef.type != "reference" or not isinstance(value, str):
            continue
        known = batch.recs.get(value)
        target = (known.state.entity, known.unit) if known is not None else batch.targets.get(value)
        if target is None or target[1] is None:
            continue  # not seen yet, or a tombstone of a record never seen (no unit)
        t_entity, t_unit = target
        if not batch.principal.in_scope(t_unit):
            errs.append(err(fdef.name, ChangeErrorCode.OUT_OF_SCOPE, batch.lang))
        elif t_entity != fdef.reference_entity or t_unit != unit:
            errs.append(err(fdef.name, ChangeErrorCode.INVALID_VALUE, batch.lang))
    return errs


def check_change(change: Change, rec: PushRecord | None, batch: Batch) -> list[dict[str, Any]]:
    """Every reason to refuse ``change``; none when it may be merged."""
    return _scope_and_fields(change, rec, batch) or _reference_errors(change, rec, batch)
