"""``users``, ``user_units``, ``devices``, ``tokens``, ``login_failures``.

Planned here (issue 7, the lead): the statements now in ``server/services/auth.py`` (users and
their units, devices, tokens, the login rate limit).
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from server.db.schema import login_failures, users


def id_of(conn: Connection, username: str) -> int | None:
    """The id of the user named ``username``, or None."""
    row = conn.execute(select(users.c.id).where(users.c.username == username)).first()
    return None if row is None else int(row.id)


def prune_login_failures(conn: Connection, *, before_ms: int) -> None:
    """Forget failed logins older than ``before_ms``: they no longer count against any limit."""
    conn.execute(delete(login_failures).where(login_failures.c.at < before_ms))
