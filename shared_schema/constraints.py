"""A field's constraints: limits on its value, and which of them mean something for which type.

Checked once, when a form definition is built (:class:`~shared_schema.fields.FieldDef` calls
:func:`check_constraints`); applied to values by :mod:`shared_schema.values`.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from shared_schema.media import MEDIA_TYPES

__all__ = ["ALLOWED_CONSTRAINTS", "Constraints", "Count", "FiniteFloat", "check_constraints"]

# Which constraints mean something for which type; anything else is a mistake in the form file.
ALLOWED_CONSTRAINTS: dict[str, frozenset[str]] = {
    "text": frozenset({"min_length", "max_length", "pattern"}),
    "integer": frozenset({"min", "max"}),
    "decimal": frozenset({"min", "max"}),
    "date": frozenset({"min", "max"}),
    "select_multiple": frozenset({"min_count", "max_count"}),
    "attachment": frozenset({"max_size", "media_types"}),
}

FiniteFloat = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True, ge=0)]


class Constraints(BaseModel):
    """Limits on a value; which apply depends on the field's type (checked by :class:`FieldDef`).

    ``min``/``max`` are numbers for ``integer``/``decimal`` and ISO dates for ``date``.
    Lengths count NFC code points; ``pattern`` must match the whole NFC text.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: StrictInt | FiniteFloat | StrictStr | None = None
    max: StrictInt | FiniteFloat | StrictStr | None = None
    min_length: Count | None = None
    max_length: Count | None = None
    pattern: StrictStr | None = None
    min_count: Count | None = None
    max_count: Count | None = None
    max_size: Count | None = None
    media_types: tuple[StrictStr, ...] | None = None

    @field_validator("min", "max", mode="before")
    @classmethod
    def _bound(cls, value: Any) -> Any:
        # One clear message instead of one per member of the union below.
        ok = value is None or isinstance(value, str) or _is_number(value)
        if not ok or (isinstance(value, float) and not math.isfinite(value)):
            raise ValueError("must be a number, or a YYYY-MM-DD date for a date field")
        return value

    def given(self) -> frozenset[str]:
        return frozenset(k for k, v in self if v is not None)


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_constraints(ftype: str, c: Constraints) -> None:
    """Raise ``ValueError`` (worded for a form's author) if ``c`` does not fit a field of ``ftype``."""
    extra = c.given() - ALLOWED_CONSTRAINTS.get(ftype, frozenset())
    if extra:
        raise ValueError(f"constraints {sorted(extra)} do not apply to type {ftype}")
    for key in ("min", "max"):
        bound = getattr(c, key)
        if bound is None:
            continue
        if ftype == "date" and not _is_date(bound):
            raise ValueError(f"constraints.{key} of a date field must be a YYYY-MM-DD date")
        if ftype == "integer" and not isinstance(bound, int):
            raise ValueError(f"constraints.{key} of an integer field must be an integer")
        if ftype == "decimal" and not _is_number(bound):
            raise ValueError(f"constraints.{key} of a decimal field must be a number")
    pairs = (("min", "max"), ("min_length", "max_length"), ("min_count", "max_count"))
    for low_key, high_key in pairs:
        low, high = getattr(c, low_key), getattr(c, high_key)
        if low is not None and high is not None and low > high:
            raise ValueError(f"constraints.{low_key} is greater than constraints.{high_key}")
    if c.pattern is not None:
        try:
            re.compile(c.pattern)
        except re.error as exc:
            raise ValueError(f"constraints.pattern does not compile: {exc}") from None
    if c.media_types is not None:
        unknown = sorted(set(c.media_types) - set(MEDIA_TYPES))
        if not c.media_types or unknown:
            raise ValueError(f"constraints.media_types must be a non-empty subset of {MEDIA_TYPES}")
