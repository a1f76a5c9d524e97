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

Value rules, one per field type:

- ``None``, ``""`` and ``[]`` mean "no answer": valid for every type, and only the required check
  looks at them (it also counts whitespace-only text as no answer);
- ``text``: a string without NUL or lone surrogates (PostgreSQL's jsonb and UTF-8 refuse them);
  lengths are counted on the NFC text, so decomposed input (which the server normalizes before
  storing) is judged as it will be stored; ``max_length`` is 10,000 unless the form says otherwise;
- ``integer``: a JSON integer (not a boolean, not ``3.0``) within ±(2**53 - 1), the range every
  JSON reader (JavaScript, spreadsheets) holds exactly; ``decimal``: such an integer or a finite
  float;
- ``date``: ``YYYY-MM-DD``, a real calendar day; ``datetime``: ISO 8601 with seconds optional,
  up to 6 fraction digits, and ``Z`` or an offset (a time without zone is ambiguous on a phone);
- ``select_one``: one choice value; ``select_multiple``: a list of distinct choice values;
- ``geopoint``: ``{"lat", "lon", "accuracy", "altitude"}``, lat in -90..90, lon in -180..180,
  accuracy >= 0 or null, altitude a number or null (both may be left out), no other keys;
- ``attachment``: ``{"sha256": 64 lower-case hex, "media_type", "size"}``;
- ``unit``: 1 to 10 ASCII digits; ``reference``: a lower-case UUID (record ids are stored lower
  case, so another spelling would never join).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeGuard

from shared_schema.entities import REVIEW_STATES
from shared_schema.errors import ChangeErrorCode, error_message
from shared_schema.expr import compile_expr
from shared_schema.forms import FieldDef, FormDefinition
from shared_schema.ids import UUID_RE
from shared_schema.limits import MAX_FILE_BYTES
from shared_schema.media import MEDIA_TYPES

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

DEFAULT_MAX_TEXT_LENGTH = 10_000
MAX_REVIEW_COMMENT_LENGTH = 2_000
DEFAULT_MAX_FILE_SIZE = MAX_FILE_BYTES
MAX_SAFE_INTEGER = 2**53 - 1
# A hostile change with a million unknown keys must not get a million-line answer.
MAX_ISSUES = 50
# No code point decomposes into more than 4 (Unicode 14), so NFC shrinks text at most 4-fold: a
# string over 4 × the limit cannot fit, and we need not spend time normalizing it.
_NFC_MAX_SHRINK = 4

_BAD_CHARS_RE = re.compile("[\x00\ud800-\udfff]")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_UNIT_RE = re.compile(r"[0-9]{1,10}")
_GEOPOINT_KEYS = frozenset({"lat", "lon", "accuracy", "altitude"})
_ATTACHMENT_KEYS = frozenset({"sha256", "media_type", "size"})

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


@dataclass(frozen=True, slots=True)
class _Problem:
    vi: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


# ---------------------------------------------------------------------------- values
def is_empty(value: Any) -> bool:
    """No answer: ``None``, a blank string or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[int | float]:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    return isinstance(value, float) and math.isfinite(value)


def _range(value: Any, low: Any, high: Any) -> _Problem | None:
    if low is not None and value < low:
        return _Problem(f"không được nhỏ hơn {low}", f"must not be less than {low}")
    if high is not None and value > high:
        return _Problem(f"không được lớn hơn {high}", f"must not be greater than {high}")
    return None


def _text_problem(value: Any, max_length: int, min_length: int = 0) -> _Problem | None:
    if not isinstance(value, str):
        return _Problem("phải là văn bản", "must be text")
    if len(value) > max_length * _NFC_MAX_SHRINK:
        return _Problem(f"dài quá {max_length} ký tự", f"longer than {max_length} characters")
    if _BAD_CHARS_RE.search(value):
        return _Problem("chứa ký tự không hợp lệ", "contains a character that is not allowed")
    length = len(unicodedata.normalize("NFC", value))
    if length > max_length:
        return _Problem(f"dài quá {max_length} ký tự", f"longer than {max_length} characters")
    if length < min_length:
        return _Problem(f"phải có ít nhất {min_length} ký tự", f"shorter than {min_length}")
    return None


def _check_text(f: FieldDef, value: Any) -> _Problem | None:
    c = f.constraints
    max_length = c.max_length if c and c.max_length is not None else DEFAULT_MAX_TEXT_LENGTH
    problem = _text_problem(value, max_length, (c.min_length or 0) if c else 0)
    if problem is not None:
        return problem
    pattern = c.pattern if c is not None else None
    if pattern is not None and re.fullmatch(pattern, unicodedata.normalize("NFC", value)) is None:
        return _Problem("không đúng định dạng", "does not have the expected format")
    return None


def _check_integer(f: FieldDef, value: Any) -> _Problem | None:
    if not _is_int(value) or not _is_number(value):
        return _Problem("phải là số nguyên", "must be an integer")
    c = f.constraints
    return _range(value, c.min, c.max) if c else None


def _check_decimal(f: FieldDef, value: Any) -> _Problem | None:
    if not _is_number(value):
        return _Problem("phải là số", "must be a number")
    c = f.constraints
    return _range(value, c.min, c.max) if c else None


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        return False
    try:
        # What strptime("%Y-%m-%d") checks of a string the pattern matched, without its locale
        # look-ups (a tenth of a push's CPU).
        date(int(value[:4]), int(value[5:7]), int(value[8:]))
    except ValueError:
        return False
    return True


def _check_date(f: FieldDef, value: Any) -> _Problem | None:
    if not _is_date(value):
        return _Problem("phải là ngày dạng YYYY-MM-DD", "must be a date, YYYY-MM-DD")
    c = f.constraints
    # ISO dates order as strings; the bounds were checked to be ISO dates when the form loaded.
    return _range(value, c.min, c.max) if c else None


def _check_datetime(f: FieldDef, value: Any) -> _Problem | None:
    ok = isinstance(value, str) and _DATETIME_RE.fullmatch(value) is not None
    if ok:
        try:
            datetime.fromisoformat(value)
        except (ValueError, OverflowError):
            ok = False
    if not ok:
        return _Problem(
            "phải là thời điểm ISO 8601 có múi giờ (ví dụ 2024-05-16T08:30:00+07:00)",
            "must be an ISO 8601 time with Z or an offset (e.g. 2024-05-16T08:30:00+07:00)",
        )
    return None


def _check_select_one(f: FieldDef, value: Any) -> _Problem | None:
    if not isinstance(value, str) or value not in f.choice_values:
        return _Problem("không phải là một lựa chọn của trường", "is not one of the choices")
    return None


def _check_select_multiple(f: FieldDef, value: Any) -> _Problem | None:
    if not isinstance(value, list):
        return _Problem("phải là danh sách lựa chọn", "must be a list of choices")
    allowed = f.choice_values
    if not all(isinstance(v, str) and v in allowed for v in value):
        return _Problem(
            "có giá trị không nằm trong các lựa chọn", "holds a value not in the choices"
        )
    if len(set(value)) != len(value):
        return _Problem("có lựa chọn bị lặp", "holds a choice twice")
    c = f.constraints
    if c is not None and c.min_count is not None and len(value) < c.min_count:
        return _Problem(f"chọn ít nhất {c.min_count}", f"choose at least {c.min_count}")
    if c is not None and c.max_count is not None and len(value) > c.max_count:
        return _Problem(f"chọn nhiều nhất {c.max_count}", f"choose at most {c.max_count}")
    return None


def _check_geopoint(f: FieldDef, value: Any) -> _Problem | None:
    bad = _Problem(
        "phải là tọa độ {lat, lon, accuracy, altitude} hợp lệ",
        "must be a geopoint {lat, lon, accuracy, altitude}",
    )
    if not isinstance(value, dict) or not value.keys() <= _GEOPOINT_KEYS:
        return bad
    lat, lon = value.get("lat"), value.get("lon")
    accuracy, altitude = value.get("accuracy"), value.get("altitude")
    if not (_is_number(lat) and -90 <= lat <= 90 and _is_number(lon) and -180 <= lon <= 180):
        return bad
    if accuracy is not None and not (_is_number(accuracy) and accuracy >= 0):
        return bad
    if altitude is not None and not _is_number(altitude):
        return bad
    return None


def _check_attachment(f: FieldDef, value: Any) -> _Problem | None:
    if not isinstance(value, dict) or value.keys() != _ATTACHMENT_KEYS:
        return _Problem(
            "phải là tệp {sha256, media_type, size}", "must be a file {sha256, media_type, size}"
        )
    sha, media_type, size = value["sha256"], value["media_type"], value["size"]
    if not isinstance(sha, str) or not _SHA256_RE.fullmatch(sha):
        return _Problem("mã SHA-256 không hợp lệ", "sha256 must be 64 lower-case hex digits")
    c = f.constraints
    allowed = c.media_types if c and c.media_types else MEDIA_TYPES
    if not isinstance(media_type, str) or media_type not in allowed:
        return _Problem("loại tệp không được chấp nhận", "this file type is not accepted")
    max_size = c.max_size if c and c.max_size is not None else DEFAULT_MAX_FILE_SIZE
    if not _is_int(size) or not 0 <= size <= max_size:
        return _Problem(
            f"kích thước tệp phải từ 0 đến {max_size} byte", f"size must be 0..{max_size}"
        )
    return None


def _check_unit(f: FieldDef, value: Any) -> _Problem | None:
    if not isinstance(value, str) or not _UNIT_RE.fullmatch(value):
        return _Problem("mã đơn vị phải gồm 1 đến 10 chữ số", "a unit code is 1 to 10 digits")
    return None


def _check_reference(f: FieldDef, value: Any) -> _Problem | None:
    if not isinstance(value, str) or not UUID_RE.fullmatch(value):
        return _Problem(
            "phải là mã bản ghi (UUID chữ thường)", "must be a record id (a lower-case UUID)"
        )
    return None


_CHECKS = {
    "text": _check_text,
    "integer": _check_integer,
    "decimal": _check_decimal,
    "date": _check_date,
    "datetime": _check_datetime,
    "select_one": _check_select_one,
    "select_multiple": _check_select_multiple,
    "geopoint": _check_geopoint,
    "attachment": _check_attachment,
    "unit": _check_unit,
    "reference": _check_reference,
}


def _value_problem(f: FieldDef, value: Any) -> _Problem | None:
    if value is None or (isinstance(value, str | list) and not value):
        return None
    return _CHECKS[f.type](f, value)


def value_problem(field: FieldDef, value: Any, lang: str = "en") -> str | None:
    """Why ``value`` is not a valid answer to ``field`` (in ``lang``), or ``None`` if it is.

    Empty values are valid here; whether the field may be empty is :func:`validate`'s question.
    """
    problem = _value_problem(field, value)
    return None if problem is None else problem.text(lang)


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
    problem: _Problem | None = None,
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
) -> tuple[ChangeErrorCode, _Problem | None] | None:
    if name == "form_id":
        if is_empty(value):
            return ChangeErrorCode.REQUIRED, None
        if value != form.form_id:
            return ChangeErrorCode.INVALID_VALUE, _Problem(
                f"bản ghi thuộc biểu mẫu {form.form_id}", f"the record's form is {form.form_id}"
            )
    elif name == "form_version":
        if value is None:
            return ChangeErrorCode.REQUIRED, None
        if not _is_int(value) or value != form.version:
            return ChangeErrorCode.INVALID_VALUE, _Problem(
                f"phiên bản biểu mẫu của bản ghi là {form.version}",
                f"the record's form version is {form.version}",
            )
    elif name == "review_state":
        if value is not None and value not in REVIEW_STATES:
            return ChangeErrorCode.INVALID_VALUE, _Problem(
                f"phải là một trong {', '.join(REVIEW_STATES)}",
                f"must be one of {', '.join(REVIEW_STATES)}",
            )
    elif name == "review_comment" and value is not None:
        problem = _text_problem(value, MAX_REVIEW_COMMENT_LENGTH)
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
        problem = _value_problem(fdef, value)
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
