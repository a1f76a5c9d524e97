"""Users, devices, tokens, login rate limits and the caller's scope.

Tokens are opaque random strings; only their SHA-256 is stored, so a copy of the database does
not hand out sessions. Every request looks the token up together with its user and device, so
revoking either refuses the token at once, in every API process.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, func, insert, select, update

from server import store
from server.clock import iso, now_ms
from server.config import Settings
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
from server.errors import ApiError
from shared_schema.entities import ROLES
from shared_schema.errors import ErrorCode
from shared_schema.hlc import DEVICE_ID_RE
from shared_schema.text import nfc

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" like that of "wrong password".
_DUMMY_HASH = _hasher.hash("dkst-dummy-password")
USERNAME_RE = re.compile(r"[A-Za-z0-9_.@-]{1,64}")

# Roles that may review (set review_state / review_comment) and that may manage users/devices.
REVIEWER_ROLES = frozenset({"commune_staff", "district_staff", "admin"})
MANAGER_ROLES = frozenset({"district_staff", "admin"})


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: str
    units: tuple[str, ...]
    device_id: str
    scope: frozenset[str] = field(default_factory=frozenset)

    def in_scope(self, unit: str | None) -> bool:
        return unit is not None and unit in self.scope


class UserError(ValueError):
    """A bad request from the CLI (unknown role or unit, duplicate user)."""


def hash_password(password: str) -> str:
    # NFC: a keyboard that types "ế" decomposed must still match the password as it was set.
    return _hasher.hash(nfc(password))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------------------- users
def add_user(
    conn: Connection, *, username: str, password: str, role: str, unit_codes: Iterable[str]
) -> int:
    username = nfc(username)
    if not USERNAME_RE.fullmatch(username):
        raise UserError(f"invalid username {username!r}: letters, digits, _ . @ - (1–64)")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    codes = list(dict.fromkeys(unit_codes))
    if not codes:
        raise UserError("a user needs at least one unit")
    known = set(conn.execute(select(units.c.code).where(units.c.code.in_(codes))).scalars())
    missing = [c for c in codes if c not in known]
    if missing:
        raise UserError(
            f"unknown unit(s) {', '.join(missing)}: import units first (dkst units import)"
        )
    if len(password) < 8:
        raise UserError("the password must have at least 8 characters")
    if conn.execute(select(users.c.id).where(users.c.username == username)).first():
        raise UserError(f"user {username!r} exists already")
    user_id = conn.execute(
        insert(users).values(
            username=username,
            password_hash=hash_password(password),
            role=role,
            disabled=False,
            created_at=iso(),
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(insert(user_units), [{"user_id": user_id, "unit": c} for c in codes])
    return int(user_id)


def units_of(conn: Connection, user_id: int) -> tuple[str, ...]:
    """The unit codes a user is bound to."""
    q = select(user_units.c.unit).where(user_units.c.user_id == user_id).order_by(user_units.c.unit)
    return tuple(conn.execute(q).scalars())


def _all_within(conn: Connection, user_id: int, within: frozenset[str]) -> bool:
    codes = set(units_of(conn, user_id))
    return bool(codes) and codes <= within


def list_users(conn: Connection) -> list[dict[str, object]]:
    rows = conn.execute(select(users).order_by(users.c.username)).mappings().all()
    out = []
    for r in rows:
        out.append(
            {
                "username": r["username"],
                "role": r["role"],
                "disabled": r["disabled"],
                "units": list(units_of(conn, r["id"])),
            }
        )
    return out


def revoke_user(conn: Connection, username: str, *, within: frozenset[str] | None = None) -> bool:
    """Disable a user and drop their tokens. ``within``: only a user whose units all lie there."""
    username = nfc(username)
    if not USERNAME_RE.fullmatch(username):
        return False
    row = conn.execute(select(users.c.id).where(users.c.username == username)).first()
    if row is None:
        return False
    if within is not None and not _all_within(conn, row.id, within):
        return False
    conn.execute(update(users).where(users.c.id == row.id).values(disabled=True))
    conn.execute(delete(tokens).where(tokens.c.user_id == row.id))
    return True


def revoke_device(
    conn: Connection, device_id: str, *, within: frozenset[str] | None = None
) -> bool:
    """Revoke a device and drop its tokens.

    ``within`` None (the server's CLI): the device for every user, now and later. ``within`` a
    caller's subtree: only the device's users whose units all lie there (SYNC.md "Identity and
    auth"), so no one outside a subtree can cut, or hide, a device used inside it. False when the
    device is unknown, or when no user inside ``within`` has used it.
    """
    if not DEVICE_ID_RE.fullmatch(device_id):
        return False
    if within is None:
        if (
            conn.execute(
                select(devices.c.device_id).where(devices.c.device_id == device_id)
            ).first()
            is None
        ):
            return False
        conn.execute(update(devices).where(devices.c.device_id == device_id).values(revoked=True))
        conn.execute(
            update(device_users).where(device_users.c.device_id == device_id).values(revoked=True)
        )
        conn.execute(delete(tokens).where(tokens.c.device_id == device_id))
        return True
    user_ids = [
        uid
        for uid in conn.execute(
            select(device_users.c.user_id).where(device_users.c.device_id == device_id)
        ).scalars()
        if _all_within(conn, uid, within)
    ]
    if not user_ids:
        return False
    conn.execute(
        update(device_users)
        .where(device_users.c.device_id == device_id, device_users.c.user_id.in_(user_ids))
        .values(revoked=True)
    )
    conn.execute(
        delete(tokens).where(tokens.c.device_id == device_id, tokens.c.user_id.in_(user_ids))
    )
    return True


def list_devices(conn: Connection) -> list[dict[str, object]]:
    """Every device with the users who logged in on it (``username!`` where revoked for them)."""
    q = (
        select(
            device_users.c.device_id,
            device_users.c.revoked,
            device_users.c.last_seen,
            users.c.username,
        )
        .select_from(device_users.join(users, users.c.id == device_users.c.user_id))
        .order_by(device_users.c.device_id, users.c.username)
    )
    by_device: dict[str, list[str]] = {}
    for r in conn.execute(q):
        by_device.setdefault(r.device_id, []).append(r.username + ("!" if r.revoked else ""))
    out = []
    for d in conn.execute(select(devices).order_by(devices.c.device_id)).mappings():
        out.append({**dict(d), "users": by_device.get(d["device_id"], [])})
    return out


def scope_of(conn: Connection, unit_codes: Iterable[str]) -> frozenset[str]:
    codes = list(unit_codes)
    if not codes:
        return frozenset()
    q = select(unit_closure.c.descendant).where(unit_closure.c.ancestor.in_(codes))
    return frozenset(conn.execute(q).scalars())


# ---------------------------------------------------------------------------- login
def _rate_limited(conn: Connection, settings: Settings, username: str, address: str) -> bool:
    since = now_ms() - settings.login_window_seconds * 1000
    store.users.prune_login_failures(conn, before_ms=since)  # they count against nothing now
    by_user = conn.execute(
        select(func.count()).where(
            login_failures.c.username == username, login_failures.c.at >= since
        )
    ).scalar_one()
    if by_user >= settings.login_fail_limit_user:
        return True
    by_addr = conn.execute(
        select(func.count()).where(
            login_failures.c.address == address, login_failures.c.at >= since
        )
    ).scalar_one()
    return bool(by_addr >= settings.login_fail_limit_ip)


def _failure_key(username: str) -> str:
    """The username as counted for rate limits: NFC, bounded, and storable (no NUL)."""
    return nfc(username).replace("\x00", "\ufffd")[:128]


def record_login_failure(conn: Connection, *, username: str, address: str) -> None:
    key = _failure_key(username)
    conn.execute(insert(login_failures).values(username=key, address=address, at=now_ms()))


def login(
    conn: Connection,
    settings: Settings,
    *,
    username: str,
    password: str,
    device_id: str,
    address: str,
) -> tuple[str, Principal]:
    """Check credentials and issue a token bound to ``device_id``. Raises :class:`ApiError`."""
    if not DEVICE_ID_RE.fullmatch(device_id):
        raise ApiError(ErrorCode.INVALID_REQUEST, {"field": "device_id"})
    username = _failure_key(username)
    if _rate_limited(conn, settings, username, address):
        raise ApiError(
            ErrorCode.RATE_LIMITED, headers={"Retry-After": str(settings.login_window_seconds)}
        )
    user = None
    if USERNAME_RE.fullmatch(username):  # no other name can exist; do not ask the database
        user = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    ok = False
    try:
        ok = (
            _hasher.verify(user["password_hash"] if user else _DUMMY_HASH, nfc(password))
            and user is not None
        )
    except (VerificationError, InvalidHashError, UnicodeError):
        ok = False
    if not ok or user is None:
        raise ApiError(ErrorCode.INVALID_CREDENTIALS)
    if user["disabled"]:
        raise ApiError(ErrorCode.ACCOUNT_DISABLED)
    _admit_device(conn, device_id, user["id"])
    stamp = iso()
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(tokens).values(
            token_hash=_token_hash(token),
            user_id=user["id"],
            device_id=device_id,
            created_at=stamp,
            expires_at=now_ms() + settings.token_ttl_seconds * 1000,
        )
    )
    conn.execute(delete(login_failures).where(login_failures.c.username == username))
    codes = units_of(conn, user["id"])
    principal = Principal(
        user["id"], user["username"], user["role"], codes, device_id, scope_of(conn, codes)
    )
    return token, principal


def _admit_device(conn: Connection, device_id: str, user_id: int) -> None:
    """Refuse a device revoked server-wide or for this user; else note that the user used it."""
    dev = conn.execute(select(devices.c.revoked).where(devices.c.device_id == device_id)).first()
    pair = conn.execute(
        select(device_users.c.revoked).where(
            device_users.c.device_id == device_id, device_users.c.user_id == user_id
        )
    ).first()
    if (dev is not None and dev.revoked) or (pair is not None and pair.revoked):
        raise ApiError(ErrorCode.DEVICE_REVOKED)
    stamp = iso()
    if dev is None:
        conn.execute(
            insert(devices).values(
                device_id=device_id, revoked=False, first_seen=stamp, last_seen=stamp
            )
        )
    else:
        conn.execute(
            update(devices).where(devices.c.device_id == device_id).values(last_seen=stamp)
        )
    if pair is None:
        conn.execute(
            insert(device_users).values(
                device_id=device_id,
                user_id=user_id,
                revoked=False,
                first_seen=stamp,
                last_seen=stamp,
            )
        )
    else:
        conn.execute(
            update(device_users)
            .where(device_users.c.device_id == device_id, device_users.c.user_id == user_id)
            .values(last_seen=stamp)
        )


def authenticate(conn: Connection, token: str) -> Principal:
    """The caller behind a bearer token, or ``unauthorized``."""
    if not token or len(token) > 256:
        raise ApiError(ErrorCode.UNAUTHORIZED)
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
        .where(tokens.c.token_hash == _token_hash(token))
    )
    row = conn.execute(q).mappings().first()
    if (
        row is None
        or row["disabled"]
        or row["revoked"]
        or row["pair_revoked"]
        or row["expires_at"] < now_ms()
    ):
        raise ApiError(ErrorCode.UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    codes = units_of(conn, row["user_id"])
    return Principal(
        row["user_id"], row["username"], row["role"], codes, row["device_id"], scope_of(conn, codes)
    )
