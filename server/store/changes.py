"""``changes``: the append-only change log of every accepted change (SYNC.md "Push"): who,
which device, when, its original ``change_id`` and ``hlc``; the idempotency memory of a push;
a record's history for the staff pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Connection, Row, func, select

from server.db.schema import changes, users
from server.store.driver import chunks, insert_rows

__all__ = ["append", "applied_outcomes", "history", "next_seq"]


def applied_outcomes(
    conn: Connection, user_id: int, change_ids: Iterable[str]
) -> dict[str, tuple[str, int, list[str], str]]:
    """change_id → (content hash, rev, conflicts, status) of this user's applied changes."""
    out: dict[str, tuple[str, int, list[str], str]] = {}
    q = select(
        changes.c.change_id,
        changes.c.content_hash,
        changes.c.rev,
        changes.c.conflicts,
        changes.c.status,
    ).where(changes.c.user_id == user_id)
    for part in chunks(change_ids):
        for r in conn.execute(q.where(changes.c.change_id.in_(part))):
            out[r.change_id] = (r.content_hash, r.rev, orjson.loads(r.conflicts), r.status)
    return out


def next_seq(conn: Connection) -> int:
    """The next change number; call with the change-log lock held."""
    return int(conn.execute(select(func.max(changes.c.seq))).scalar() or 0) + 1


def append(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """A push's accepted changes, numbered (with the change-log lock held)."""
    insert_rows(conn, changes, rows)


def history(conn: Connection, record_id: str) -> list[Row[Any]]:
    """The change log of a record, oldest first, with the username of each change."""
    q = (
        select(
            changes.c.seq,
            changes.c.op,
            changes.c.hlc,
            changes.c.fields,
            changes.c.device_id,
            changes.c.status,
            changes.c.rev,
            changes.c.received_at,
            users.c.username,
        )
        .select_from(changes.outerjoin(users, users.c.id == changes.c.user_id))
        .where(changes.c.record_id == record_id)
        .order_by(changes.c.seq)
    )
    return list(conn.execute(q))
