"""Whether a value is a valid answer to a field: one rule per field type (SYNC.md "Merge rules").

The rules of a single value, apart from the form around it; :mod:`shared_schema.validation` adds
what needs the whole change (required, relevance, system fields), and a field's ``default`` is
checked by these same rules when its definition is built (:mod:`shared_schema.fields`). A rule
reads only the field's type, constraints and choice values (:class:`FieldRules`), so this module
stands below the form models and is imported by them.

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
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypeGuard

from shared_schema.constraints import Constraints
from shared_schema.ids import UUID_RE
from shared_schema.limits import MAX_FILE_BYTES
from shared_schema.media import MEDIA_TYPES

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "DEFAULT_MAX_TEXT_LENGTH",
    "MAX_SAFE_INTEGER",
    "FieldRules",
    "Problem",
    "is_empty",
    "is_integer",
    "problem_of",
    "text_problem",
    "value_problem",
]

DEFAULT_MAX_TEXT_LENGTH = 10_000
DEFAULT_MAX_FILE_SIZE = MAX_FILE_BYTES
MAX_SAFE_INTEGER = 2**53 - 1
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


class FieldRules(Protocol):
    """What the rules read of a field (a :class:`~shared_schema.fields.FieldDef` has it all)."""

    @property
    def type(self) -> str: ...

    @property
    def constraints(self) -> Constraints | None: ...

    @property
    def choice_values(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a value is refused, in Vietnamese and English."""

    vi: str
    en: str

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


def is_empty(value: Any) -> bool:
    """No answer: ``None``, a blank string or an empty list."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value


def is_integer(value: Any) -> TypeGuard[int]:
    """An ``int`` that is not a ``bool`` (any size: :data:`MAX_SAFE_INTEGER` is the rules' bound)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[int | float]:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    return isinstance(value, float) and math.isfinite(value)


def _range(value: Any, low: Any, high: Any) -> Problem | None:
    if low is not None and value < low:
        return Problem(f"không được nhỏ hơn {low}", f"must not be less than {low}")
    if high is not None and value > high:
        return Problem(f"không được lớn hơn {high}", f"must not be greater than {high}")
    return None


def text_problem(value: Any, max_length: int, min_length: int = 0) -> Problem | None:
    if not isinstance(value, str):
        return Problem("phải là văn bản", "must be text")
    if len(value) > max_length * _NFC_MAX_SHRINK:
        return Problem(f"dài quá {max_length} ký tự", f"longer than {max_length} characters")
    if _BAD_CHARS_RE.search(value):
        return Problem("chứa ký tự không hợp lệ", "contains a character that is not allowed")
    length = len(unicodedata.normalize("NFC", value))
    if length > max_length:
        return Problem(f"dài quá {max_length} ký tự", f"longer than {max_length} characters")
    if length < min_length:
        return Problem(f"phải có ít nhất {min_length} ký tự", f"shorter than {min_length}")
    return None


def _check_text(f: FieldRules, value: Any) -> Problem | None:
    c = f.constraints
    max_length = c.max_length if c and c.max_length is not None else DEFAULT_MAX_TEXT_LENGTH
    problem = text_problem(value, max_length, (c.min_length or 0) if c else 0)
    if problem is not None:
        return problem
    pattern = c.pattern if c is not None else None
    if pattern is not None and re.fullmatch(pattern, unicodedata.normalize("NFC", value)) is None:
        return Problem("không đúng định dạng", "does not have the expected format")
    return None


def _check_integer(f: FieldRules, value: Any) -> Problem | None:
    if not is_integer(value) or not _is_number(value):
        return Problem("phải là số nguyên", "must be an integer")
    c = f.constraints
    return _range(value, c.min, c.max) if c else None


def _check_decimal(f: FieldRules, value: Any) -> Problem | None:
    if not _is_number(value):
        return Problem("phải là số", "must be a number")
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


def _check_date(f: FieldRules, value: Any) -> Problem | None:
    if not _is_date(value):
        return Problem("phải là ngày dạng YYYY-MM-DD", "must be a date, YYYY-MM-DD")
    c = f.constraints
    # ISO dates order as strings; the bounds were checked to be ISO dates when the form loaded.
    return _range(value, c.min, c.max) if c else None


def _check_datetime(f: FieldRules, value: Any) -> Problem | None:
    ok = isinstance(value, str) and _DATETIME_RE.fullmatch(value) is not None
    if ok:
        try:
            datetime.fromisoformat(value)
        except (ValueError, OverflowError):
            ok = False
    if not ok:
        return Problem(
            "phải là thời điểm ISO 8601 có múi giờ (ví dụ 2024-05-16T08:30:00+07:00)",
            "must be an ISO 8601 time with Z or an offset (e.g. 2024-05-16T08:30:00+07:00)",
        )
    return None


def _check_select_one(f: FieldRules, value: Any) -> Problem | None:
    if not isinstance(value, str) or value not in f.choice_values:
        return Problem("không phải là một lựa chọn của trường", "is not one of the choices")
    return None


def _check_select_multiple(f: FieldRules, value: Any) -> Problem | None:
    if not isinstance(value, list):
        return Problem("phải là danh sách lựa chọn", "must be a list of choices")
    allowed = f.choice_values
    if not all(isinstance(v, str) and v in allowed for v in value):
        return Problem(
            "có giá trị không nằm trong các lựa chọn", "holds a value not in the choices"
        )
    if len(set(value)) != len(value):
        return Problem("có lựa chọn bị lặp", "holds a choice twice")
    c = f.constraints
    if c is not None and c.min_count is not None and len(value) < c.min_count:
        return Problem(f"chọn ít nhất {c.min_count}", f"choose at least {c.min_count}")
    if c is not None and c.max_count is not None and len(value) > c.max_count:
        return Problem(f"chọn nhiều nhất {c.max_count}", f"choose at most {c.max_count}")
    return None


def _check_geopoint(f: FieldRules, value: Any) -> Problem | None:
    bad = Problem(
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


def _check_attachment(f: FieldRules, value: Any) -> Problem | None:
    if not isinstance(value, dict) or value.keys() != _ATTACHMENT_KEYS:
        return Problem(
            "phải là tệp {sha256, media_type, size}", "must be a file {sha256, media_type, size}"
        )
    sha, media_type, size = value["sha256"], value["media_type"], value["size"]
    if not isinstance(sha, str) or not _SHA256_RE.fullmatch(sha):
        return Problem("mã SHA-256 không hợp lệ", "sha256 must be 64 lower-case hex digits")
    c = f.constraints
    allowed = c.media_types if c and c.media_types else MEDIA_TYPES
    if not isinstance(media_type, str) or media_type not in allowed:
        return Problem("loại tệp không được chấp nhận", "this file type is not accepted")
    max_size = c.max_size if c and c.max_size is not None else DEFAULT_MAX_FILE_SIZE
    if not is_integer(size) or not 0 <= size <= max_size:
        return Problem(
            f"kích thước tệp phải từ 0 đến {max_size} byte", f"size must be 0..{max_size}"
        )
    return None


def _check_unit(f: FieldRules, value: Any) -> Problem | None:
    if not isinstance(value, str) or not _UNIT_RE.fullmatch(value):
        return Problem("mã đơn vị phải gồm 1 đến 10 chữ số", "a unit code is 1 to 10 digits")
    return None


def _check_reference(f: FieldRules, value: Any) -> Problem | None:
    if not isinstance(value, str) or not UUID_RE.fullmatch(value):
        return Problem(
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


def problem_of(f: FieldRules, value: Any) -> Problem | None:
    """:func:`value_problem` in both languages (what validation words in the reader's)."""
    if value is None or (isinstance(value, str | list) and not value):
        return None
    return _CHECKS[f.type](f, value)


def value_problem(field: FieldRules, value: Any, lang: str = "en") -> str | None:
    """Why ``value`` is not a valid answer to ``field`` (in ``lang``), or ``None`` if it is.

    Empty values are valid here; whether the field may be empty is
    :func:`shared_schema.validation.validate`'s question.
    """
    problem = problem_of(field, value)
    return None if problem is None else problem.text(lang)
