"""Accounts as the administration pages see them: users and devices inside a subtree, passwords,
and passwords."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from server.db.schema import device_users, devices, user_units, users


def users_with_units(conn: Connection) -> list[dict[str, Any]]:
    """Every user with their unit codes (the caller keeps those inside its subtree)."""
    codes: dict[int, list[str]] = {}
    for uid, unit in conn.execute(select(user_units.c.user_id, user_units.c.unit)):
        codes.setdefault(uid, []).append(unit)
    q = select(users.c.id, users.c.username, users.c.role, users.c.disabled, users.c.created_at)
    return [
        {**dict(r._mapping), "units": sorted(codes.get(r.id, []))}
        for r in conn.execute(q.order_by(users.c.username))
    ]


def user_id(conn: Connection, username: str) -> int | None:
    row = conn.execute(select(users.c.id).where(users.c.username == username)).first()
    return None if row is None else int(row.id)


def device_uses(conn: Connection) -> list[dict[str, Any]]:
    """(device, user) pairs with their revocation and last use, and the device's own revocation."""
    q = (
        select(
            device_users.c.device_id,
            device_users.c.user_id,
            device_users.c.revoked,
            device_users.c.last_seen,
            devices.c.revoked.label("device_revoked"),
            users.c.username,
        )
        .select_from(
            device_users.join(users, users.c.id == device_users.c.user_id).join(
                devices, devices.c.device_id == device_users.c.device_id
            )
        )
        .order_by(device_users.c.device_id, users.c.username)
    )
    return [dict(r._mapping) for r in conn.execute(q)]
