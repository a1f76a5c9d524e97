"""``conflicts``: the losing values of merged fields, kept for a reviewer (SYNC.md "Push")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, and_, insert, select, update

from server.db.schema import conflicts

__all__ = ["add", "open_among", "open_for", "resolve"]


def add(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """The conflicts a push found."""
    if rows:
        conn.execute(insert(conflicts), rows)


def open_for(conn: Connection, record_id: str) -> list[Row[Any]]:
    q = (
        select(conflicts)
        .where(conflicts.c.record_id == record_id, conflicts.c.resolved_at.is_(None))
        .order_by(conflicts.c.id)
    )
    return list(conn.execute(q))


def resolve(conn: Connection, record_id: str, field: str, *, user_id: int, at: str) -> int:
    """Mark every open conflict of ``field`` of the record resolved; the number marked."""
    stmt = (
        update(conflicts)
        .where(
            and_(
                conflicts.c.record_id == record_id,
                conflicts.c.field == field,
                conflicts.c.resolved_at.is_(None),
            )
        )
        .values(resolved_at=at, resolved_by=user_id)
    )
    return int(conn.execute(stmt).rowcount or 0)


def open_among(conn: Connection, record_ids: list[str]) -> set[str]:
    """Which of ``record_ids`` have an open conflict."""
    q = select(conflicts.c.record_id).where(
        conflicts.c.record_id.in_(record_ids), conflicts.c.resolved_at.is_(None)
    )
    return set(conn.execute(q).scalars())
