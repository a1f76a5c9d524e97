"""The one time format of SYNC.md: ISO 8601 in UTC with milliseconds and ``Z``.

``2026-03-14T08:30:00.123Z``. Both sides write times this way (records' ``updated_at``, the
device's own bookkeeping) and read them back with :func:`parse_ms`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

__all__ = ["iso", "now_ms", "parse_ms"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def now_ms() -> int:
    """Milliseconds since the Unix epoch, from the wall clock."""
    return time.time_ns() // 1_000_000


def iso(ms: int | None = None) -> str:
    """ISO 8601 UTC with millisecond precision and ``Z`` (now, when ``ms`` is None)."""
    ms = now_ms() if ms is None else ms
    dt = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_ms(text: str) -> int | None:
    """Milliseconds of an ISO 8601 time (``Z`` or an offset; naive counts as UTC); None if bad."""
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // _MS  # exact, where timestamp() * 1000 can round down by one
