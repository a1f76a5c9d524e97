"""Server time in the forms SYNC.md uses: the one clock of the server."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso(ms: int | None = None) -> str:
    """ISO 8601 UTC with millisecond precision and ``Z``."""
    ms = now_ms() if ms is None else ms
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def utc_now() -> datetime:
    """Now as a naive UTC datetime (what a spreadsheet cell or a zip member's time holds)."""
    return datetime.now(UTC).replace(tzinfo=None)
