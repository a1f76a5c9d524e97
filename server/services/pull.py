"""Pull (SYNC.md): the records in a caller's scope changed after a signed cursor, in commit order.

``records.seq`` is the number of the last change applied to a record, and push numbers changes in
commit order (see ``services/push.py``), so ``seq > cursor`` never skips a change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import Any

import orjson
from sqlalchemy import Connection

from server import store
from server.errors import ServerError
from server.services.auth import Principal
from shared_schema.errors import ErrorCode

__all__ = ["CursorCodec", "pull"]

_SEQ_RE = re.compile(r"[0-9]{1,18}")


class CursorCodec:
    """Opaque, signed cursors: a client cannot forge one the server did not issue."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def load(cls, conn: Connection) -> CursorCodec:
        """The deployment's key (made by the first migration run, shared by every process)."""
        return cls(bytes.fromhex(store.meta.cursor_key(conn)))

    def derived_key(self, purpose: bytes) -> bytes:
        """A key of its own for another signature of this deployment (the web's re-posts)."""
        return hmac.new(self._key, b"dkst-derived\x00" + purpose, hashlib.sha256).digest()

    def _sig(self, seq: int) -> str:
        mac = hmac.new(self._key, f"c1:{seq}".encode(), hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def encode(self, seq: int) -> str:
        return f"c1.{seq}.{self._sig(seq)}"

    def decode(self, cursor: str) -> int:
        parts = cursor.split(".")
        if len(parts) != 3 or parts[0] != "c1" or not _SEQ_RE.fullmatch(parts[1]):
            raise ServerError(ErrorCode.INVALID_CURSOR)
        seq = int(parts[1])
        if not hmac.compare_digest(parts[2], self._sig(seq)):
            raise ServerError(ErrorCode.INVALID_CURSOR)
        return seq


def pull(
    conn: Connection, principal: Principal, codec: CursorCodec, *, cursor: str | None, limit: int
) -> tuple[list[orjson.Fragment | dict[str, Any]], str, bool]:
    after = codec.decode(cursor) if cursor else 0
    rows = store.records.pull_page(conn, principal.units, after=after, limit=limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    out: list[orjson.Fragment | dict[str, Any]] = [
        {
            "entity": r.entity,
            "record_id": r.record_id,
            "rev": r.rev,
            "fields": orjson.Fragment(r.fields),
            "deleted": bool(r.deleted),
            "updated_at": r.updated_at,
        }
        for r in rows
    ]
    next_cursor = codec.encode(rows[-1].seq) if rows else (cursor or codec.encode(after))
    return out, next_cursor, has_more
