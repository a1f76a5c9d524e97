"""Record and change ids: UUIDs, stored lower-case (SYNC.md)."""

from __future__ import annotations

import re

__all__ = ["UUID_ANY_CASE_RE", "UUID_PATTERN", "UUID_RE", "is_uuid"]

UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# As stored and served: lower case.
UUID_RE = re.compile(UUID_PATTERN)
# As a client may send one (the server lowers it before storing).
UUID_ANY_CASE_RE = re.compile(UUID_PATTERN, re.IGNORECASE)


def is_uuid(value: object, *, any_case: bool = True) -> bool:
    """Whether ``value`` is a UUID string (``any_case=False``: only the stored lower-case form)."""
    pattern = UUID_ANY_CASE_RE if any_case else UUID_RE
    return isinstance(value, str) and pattern.fullmatch(value) is not None
