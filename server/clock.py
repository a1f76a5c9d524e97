"""Server time in the forms SYNC.md uses (the format itself is shared_schema.isotime's)."""

from __future__ import annotations

from shared_schema.isotime import iso, now_ms

__all__ = ["iso", "now_ms"]
