"""``server_meta``: the deployment's own values (the key that signs pull cursors)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from server.db.schema import server_meta

__all__ = ["cursor_key", "ping"]


def cursor_key(conn: Connection) -> str:
    q = select(server_meta.c.value).where(server_meta.c.key == "cursor_key")
    return str(conn.execute(q).scalar_one())


def ping(conn: Connection) -> None:
    """One round trip to the database (the readiness check): raises when it does not answer."""
    conn.execute(select(server_meta.c.key).limit(1)).all()
