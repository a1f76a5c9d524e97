"""Validation of a change's ``fields`` against a form version (SYNC.md "Merge rules").

:func:`validate` returns a list of :class:`FieldIssue` and never raises, whatever the client sent:
a field value is untrusted JSON (or worse) and a bad one must become that change's ``rejected``
result, never a server error. Only codes of :class:`~shared_schema.errors.ChangeErrorCode` are used.

Two modes:

- ``current is None``: the change creates the record. Every required field that is relevant
  (its ``relevant`` expression evaluated over the change's fields) must be present and non-empty.
  Defaults are not filled in here: call :func:`apply_defaults` first where they should apply.
- ``current`` is the record's merged state: the change is partial. Each given field is checked by
  type, choices and constraints, and may not empty a required field that is relevant in the merged
  state (``current`` updated with the change). A change that makes another field required (say
  ``status = 'stopped'`` without ``stop_reason``) is accepted: another device may be filling it in.

The value rules of each field type are :mod:`shared_schema.values`'s (re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared_schema.entities import REVIEW_STATES
from shared_schema.errors import ChangeErrorCode, error_message
from shared_schema.expr import compile_expr
from shared_schema.fields import FieldDef
from shared_schema.form_definition import FormDefinition
from shared_schema.values import (
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_MAX_TEXT_LENGTH,
    MAX_SAFE_INTEGER,
    Problem,
    is_empty,
    is_integer,
    problem_of,
    text_problem,
    value_problem,
)

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "DEFAULT_MAX_TEXT_LENGTH",
    "MAX_ISSUES",
    "MAX_REVIEW_COMMENT_LENGTH",
    "MAX_SAFE_INTEGER",
    "FieldIssue",
    "apply_defaults",
    "evaluate_relevance",
    "is_empty",
    "validate",
    "value_problem",
]

MAX_REVIEW_COMMENT_LENGTH = 2_000
# A hostile change with a million unknown keys must not get a million-line answer.
MAX_ISSUES = 50

_SYSTEM_LABELS: dict[str, tuple[str, str]] = {
    "form_id": ("Mã biểu mẫu", "Form id"),
    "form_version": ("Phiên bản biểu mẫu", "Form version"),
    "review_state": ("Trạng thái duyệt", "Review state"),
    "review_comment": ("Ý kiến duyệt", "Review comment"),
}


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One problem with a change: the field (``None`` for the change as a whole), code, text."""

    field: str | None
    code: ChangeErrorCode
    message: str

    def as_dict(self) -> dict[str, str | None]:
        """The ``{"field", "code", "message"}`` shape of SYNC.md's push ``errors``."""
        return {"field": self.field, "code": self.code.value, "message": self.message}


# ---------------------------------------------------------------------------- relevance
def _relevant(f: FieldDef, values: Mapping[str, Any]) -> bool:
    if f.relevant is None:
        return True
    # The expression was parsed when the form loaded, so this is a cache hit and cannot fail.
    return compile_expr(f.relevant).is_true(values)


def evaluate_relevance(form: FormDefinition, values: Mapping[str, Any]) -> dict[str, bool]:
    """For each field of ``form``, whether it applies given the answers ``values`` (for the UI)."""
    values = _str_keyed(values)
    return {f.name: _relevant(f, values) for f in form.fields}


def _str_keyed(values: Any) -> dict[str, Any]:
    if not isinstance(values, Mapping):
        return {}
    return {k: v for k, v in values.items() if isinstance(k, str)}


def apply_defaults(form: FormDefinition, fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` with each form default filled in where the field is absent (for a new record)."""
    out = dict(fields) if isinstance(fields, Mapping) else {}
    for f in form.fields:
        if f.default is not None and f.name not in out:
            out[f.name] = f.default
    return out


# ---------------------------------------------------------------------------- validate
def _label(form: FormDefinition, name: str, lang: str) -> str:
    f = form.field(name)
    if f is not None:
        return f.label.en if lang == "en" else f.label.vi
    vi, en = _SYSTEM_LABELS.get(name, (name, name))
    return en if lang == "en" else vi


def _issue(
    form: FormDefinition,
    name: str | None,
    code: ChangeErrorCode,
    lang: str,
    problem: Problem | None = None,
) -> FieldIssue:
    base = error_message(code.value, lang)
    text = base if problem is None else f"{base}: {problem.text(lang)}"
    if name is not None:
        text = f"{_label(form, name, lang)}: {text}"
    return FieldIssue(name, code, text)


def _key_name(key: Any) -> str:
    if isinstance(key, str):
        return key[:64]
    if key is None or isinstance(key, bool | int | float):
        return repr(key)[:64]
    return f"<{type(key).__name__}>"


def _system_problem(
    form: FormDefinition, name: str, value: Any
) -> tuple[ChangeErrorCode, Problem | None] | None:
    if name == "form_id":
        if is_empty(value):
            return ChangeErrorCode.REQUIRED, None
        if value != form.form_id:
            return ChangeErrorCode.INVALID_VALUE, Problem(
                f"bản ghi thuộc biểu mẫu {form.form_id}", f"the record's form is {form.form_id}"
            )
    elif name == "form_version":
        if value is None:
            return ChangeErrorCode.REQUIRED, None
        if not is_integer(value) or value != form.version:
            return ChangeErrorCode.INVALID_VALUE, Problem(
                f"phiên bản biểu mẫu của bản ghi là {form.version}",
                f"the record's form version is {form.version}",
            )
    elif name == "review_state":
        if value is not None and value not in REVIEW_STATES:
            return ChangeErrorCode.INVALID_VALUE, Problem(
                f"phải là một trong {', '.join(REVIEW_STATES)}",
                f"must be one of {', '.join(REVIEW_STATES)}",
            )
    elif name == "review_comment" and value is not None:
        problem = text_problem(value, MAX_REVIEW_COMMENT_LENGTH)
        if problem is not None:
            return ChangeErrorCode.INVALID_VALUE, problem
    return None


def validate(
    form: FormDefinition,
    fields: Mapping[str, Any],
    *,
    current: Mapping[str, Any] | None = None,
    lang: str = "vi",
) -> list[FieldIssue]:
    """The problems of a change's ``fields`` under ``form``; ``[]`` when it may be applied.

    ``current`` is ``None`` for the change that creates a record, else the record's merged fields.
    Messages are in ``lang`` ("vi", the default, or "en") and start with the field's label.
    At most :data:`MAX_ISSUES` issues are returned. Never raises.
    """
    if not isinstance(fields, Mapping):
        return [_issue(form, "fields", ChangeErrorCode.INVALID_CHANGE, lang)]
    issues: list[FieldIssue] = []
    flagged: set[str] = set()
    given: dict[str, Any] = {}
    by_name = form.fields_by_name
    for key, value in fields.items():
        if len(issues) >= MAX_ISSUES:
            return issues
        if not isinstance(key, str):
            issues.append(_issue(form, _key_name(key), ChangeErrorCode.UNKNOWN_FIELD, lang))
            continue
        given[key] = value
        if key in _SYSTEM_LABELS:
            found = _system_problem(form, key, value)
            if found is not None:
                issues.append(_issue(form, key, found[0], lang, found[1]))
            continue
        fdef = by_name.get(key)
        if fdef is None:
            issues.append(_issue(form, key[:64], ChangeErrorCode.UNKNOWN_FIELD, lang))
            continue
        problem = problem_of(fdef, value)
        if problem is not None:
            flagged.add(key)
            issues.append(_issue(form, key, ChangeErrorCode.INVALID_VALUE, lang, problem))

    if current is None:
        merged, to_check = given, form.required_fields
    else:
        merged = {**_str_keyed(current), **given}
        to_check = tuple(f for name in given if (f := by_name.get(name)) is not None and f.required)
    for fdef in to_check:
        name = fdef.name
        if name in flagged:
            continue
        if is_empty(merged.get(name)) and _relevant(fdef, merged):
            if len(issues) >= MAX_ISSUES:
                break
            issues.append(_issue(form, name, ChangeErrorCode.REQUIRED, lang))
    return issues
