"""Server time in the forms SYNC.md uses: the one clock of the server (the format itself is
shared_schema.isotime's)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared_schema.isotime import iso, now_ms

__all__ = ["iso", "now_ms", "utc_now"]


def utc_now() -> datetime:
    """Now as a naive UTC datetime (what a spreadsheet cell or a zip member's time holds)."""
    return datetime.now(UTC).replace(tzinfo=None)
