"""``users``, ``user_units``, ``devices``, ``device_users``, ``tokens``, ``login_failures``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, text, update

from server.db.schema import (
    device_users,
    devices,
    login_failures,
    tokens,
    unit_closure,
    units,
    user_units,
    users,
)


# ---------------------------------------------------------------------------- users
def id_of(conn: Connection, username: str) -> int | None:
    """The id of the user named ``username``, or None."""
    row = conn.execute(select(users.c.id).where(users.c.username == username)).first()
    return None if row is None else int(row.id)


def by_name(conn: Connection, username: str) -> RowMapping | None:
    return conn.execute(select(users).where(users.c.username == username)).mappings().first()


def known_units(conn: Connection, codes: Iterable[str]) -> set[str]:
    return set(conn.execute(select(units.c.code).where(units.c.code.in_(list(codes)))).scalars())


def insert_user(
    conn: Connection, *, username: str, password_hash: str, role: str, units_: list[str], at: str
) -> int:
    user_id = conn.execute(
        insert(users).values(
            username=username, password_hash=password_hash, role=role, disabled=False, created_at=at
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(insert(user_units), [{"user_id": user_id, "unit": c} for c in units_])
    return int(user_id)


def units_of(conn: Connection, user_id: int) -> tuple[str, ...]:
    """The unit codes a user is bound to."""
    q = select(user_units.c.unit).where(user_units.c.user_id == user_id).order_by(user_units.c.unit)
    return tuple(conn.execute(q).scalars())


def all_users(conn: Connection) -> list[RowMapping]:
    return list(conn.execute(select(users).order_by(users.c.username)).mappings())


def disable(conn: Connection, user_id: int) -> None:
    """Disable a user and drop every token of theirs."""
    conn.execute(update(users).where(users.c.id == user_id).values(disabled=True))
    conn.execute(delete(tokens).where(tokens.c.user_id == user_id))


def set_password(conn: Connection, uid: int, password_hash: str) -> None:
    """A new password; the user's sessions and tokens end (they log in again with it)."""
    conn.execute(update(users).where(users.c.id == uid).values(password_hash=password_hash))
    conn.execute(delete(tokens).where(tokens.c.user_id == uid))


def scope_of(conn: Connection, unit_codes: Iterable[str]) -> frozenset[str]:
    """Every unit under ``unit_codes``, themselves included."""
    codes = list(unit_codes)
    if not codes:
        return frozenset()
    q = select(unit_closure.c.descendant).where(unit_closure.c.ancestor.in_(codes))
    return frozenset(conn.execute(q).scalars())


# ---------------------------------------------------------------------------- devices
def device(conn: Connection, device_id: str) -> RowMapping | None:
    q = select(devices).where(devices.c.device_id == device_id)
    return conn.execute(q).mappings().first()


def device_user(conn: Connection, device_id: str, user_id: int) -> RowMapping | None:
    q = select(device_users).where(
        device_users.c.device_id == device_id, device_users.c.user_id == user_id
    )
    return conn.execute(q).mappings().first()


def note_device_use(conn: Connection, device_id: str, user_id: int, *, at: str) -> None:
    """Record that ``user_id`` used ``device_id`` now (the device and the pair made if new)."""
    if device(conn, device_id) is None:
        conn.execute(
            insert(devices).values(device_id=device_id, revoked=False, first_seen=at, last_seen=at)
        )
    else:
        conn.execute(update(devices).where(devices.c.device_id == device_id).values(last_seen=at))
    if device_user(conn, device_id, user_id) is None:
        conn.execute(
            insert(device_users).values(
                device_id=device_id, user_id=user_id, revoked=False, first_seen=at, last_seen=at
            )
        )
    else:
        conn.execute(
            update(device_users)
            .where(device_users.c.device_id == device_id, device_users.c.user_id == user_id)
            .values(last_seen=at)
        )


def users_of_device(conn: Connection, device_id: str) -> list[int]:
    q = select(device_users.c.user_id).where(device_users.c.device_id == device_id)
    return [int(u) for u in conn.execute(q).scalars()]


def revoke_device_everywhere(conn: Connection, device_id: str) -> None:
    conn.execute(update(devices).where(devices.c.device_id == device_id).values(revoked=True))
    conn.execute(
        update(device_users).where(device_users.c.device_id == device_id).values(revoked=True)
    )
    conn.execute(delete(tokens).where(tokens.c.device_id == device_id))


def revoke_device_for(conn: Connection, device_id: str, user_ids: list[int]) -> None:
    conn.execute(
        update(device_users)
        .where(device_users.c.device_id == device_id, device_users.c.user_id.in_(user_ids))
        .values(revoked=True)
    )
    conn.execute(
        delete(tokens).where(tokens.c.device_id == device_id, tokens.c.user_id.in_(user_ids))
    )


def device_list(conn: Connection) -> list[dict[str, Any]]:
    """Every device with its users (``name!`` where revoked for that user)."""
    q = (
        select(device_users.c.device_id, device_users.c.revoked, users.c.username)
        .select_from(device_users.join(users, users.c.id == device_users.c.user_id))
        .order_by(device_users.c.device_id, users.c.username)
    )
    by_device: dict[str, list[str]] = {}
    for r in conn.execute(q):
        by_device.setdefault(r.device_id, []).append(r.username + ("!" if r.revoked else ""))
    return [
        {**dict(d), "users": by_device.get(d["device_id"], [])}
        for d in conn.execute(select(devices).order_by(devices.c.device_id)).mappings()
    ]


# ---------------------------------------------------------------------------- tokens
def insert_token(
    conn: Connection, *, token_hash: str, user_id: int, device_id: str, at: str, expires_at: int
) -> None:
    conn.execute(
        insert(tokens).values(
            token_hash=token_hash,
            user_id=user_id,
            device_id=device_id,
            created_at=at,
            expires_at=expires_at,
        )
    )


def drop_token(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(tokens).where(tokens.c.token_hash == token_hash))


def token_owner(conn: Connection, token_hash: str) -> RowMapping | None:
    """The token's user and device, with every flag that can refuse it."""
    q = (
        select(
            tokens.c.user_id,
            tokens.c.device_id,
            tokens.c.expires_at,
            users.c.username,
            users.c.role,
            users.c.disabled,
            devices.c.revoked,
            device_users.c.revoked.label("pair_revoked"),
        )
        .select_from(
            tokens.join(users, users.c.id == tokens.c.user_id)
            .outerjoin(devices, devices.c.device_id == tokens.c.device_id)
            .outerjoin(
                device_users,
                (device_users.c.device_id == tokens.c.device_id)
                & (device_users.c.user_id == tokens.c.user_id),
            )
        )
        .where(tokens.c.token_hash == token_hash)
    )
    return conn.execute(q).mappings().first()


# ---------------------------------------------------------------------------- login failures
def prune_login_failures(conn: Connection, *, before_ms: int) -> None:
    """Forget failed logins older than ``before_ms``: they no longer count against any limit."""
    conn.execute(delete(login_failures).where(login_failures.c.at < before_ms))


def failures_since(
    conn: Connection, *, since_ms: int, username: str, address: str
) -> tuple[int, int]:
    """(failures of ``username``, failures from ``address``) since ``since_ms``."""

    def count(*where: Any) -> int:
        q = select(func.count()).where(login_failures.c.at >= since_ms, *where)
        return int(conn.execute(q).scalar_one())

    return count(login_failures.c.username == username), count(login_failures.c.address == address)


# The first key of the two-key advisory locks of login counts (a key space apart from the
# single-key locks of the change log and migrations).
LOGIN_LOCK_CLASS = 0x444B


def lock_login_keys(conn: Connection, *, username: str, address: str) -> None:
    """Hold the counts of ``username`` and ``address`` until this transaction ends.

    PostgreSQL: two transaction-level advisory locks, taken in one order everywhere (no deadlock);
    SQLite: nothing to do, ``BEGIN IMMEDIATE`` already holds the only write lock.
    """
    if conn.dialect.name != "postgresql":
        return
    for key in sorted({"u:" + username, "a:" + address}):
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:c, hashtext(:k))"),
            {"c": LOGIN_LOCK_CLASS, "k": key},
        )


def add_login_failure(conn: Connection, *, username: str, address: str, at_ms: int) -> int:
    """A failed (or not yet decided) login; its id."""
    row = conn.execute(
        insert(login_failures).values(username=username, address=address, at=at_ms)
    ).inserted_primary_key
    return int(row[0])  # type: ignore[index]


def drop_login_failure(conn: Connection, failure_id: int) -> None:
    """Forget one attempt: its password proved right."""
    conn.execute(delete(login_failures).where(login_failures.c.id == failure_id))


def names_by_id(conn: Connection) -> dict[int, str]:
    """``user_id → username`` of every user."""
    return {r.id: r.username for r in conn.execute(select(users.c.id, users.c.username))}
