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
from sqlalchemy import Connection

from server import store
from server.clock import iso, now_ms
from server.config import ServerSettings
from server.errors import ServerError
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
    known = store.users.known_units(conn, codes)
    missing = [c for c in codes if c not in known]
    if missing:
        raise UserError(
            f"unknown unit(s) {', '.join(missing)}: import units first (dkst units import)"
        )
    if len(password) < 8:
        raise UserError("the password must have at least 8 characters")
    if store.users.id_of(conn, username) is not None:
        raise UserError(f"user {username!r} exists already")
    return store.users.insert_user(
        conn,
        username=username,
        password_hash=hash_password(password),
        role=role,
        units_=codes,
        at=iso(),
    )


def units_of(conn: Connection, user_id: int) -> tuple[str, ...]:
    """The unit codes a user is bound to."""
    return store.users.units_of(conn, user_id)


def _all_within(conn: Connection, user_id: int, within: frozenset[str]) -> bool:
    codes = set(units_of(conn, user_id))
    return bool(codes) and codes <= within


def list_users(conn: Connection) -> list[dict[str, object]]:
    return [
        {
            "username": r["username"],
            "role": r["role"],
            "disabled": r["disabled"],
            "units": list(units_of(conn, r["id"])),
        }
        for r in store.users.all_users(conn)
    ]


def revoke_user(conn: Connection, username: str, *, within: frozenset[str] | None = None) -> bool:
    """Disable a user and drop their tokens. ``within``: only a user whose units all lie there."""
    username = nfc(username)
    if not USERNAME_RE.fullmatch(username):
        return False
    user_id = store.users.id_of(conn, username)
    if user_id is None:
        return False
    if within is not None and not _all_within(conn, user_id, within):
        return False
    store.users.disable(conn, user_id)
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
        if store.users.device(conn, device_id) is None:
            return False
        store.users.revoke_device_everywhere(conn, device_id)
        return True
    user_ids = [
        uid
        for uid in store.users.users_of_device(conn, device_id)
        if _all_within(conn, uid, within)
    ]
    if not user_ids:
        return False
    store.users.revoke_device_for(conn, device_id, user_ids)
    return True


def list_devices(conn: Connection) -> list[dict[str, object]]:
    """Every device with the users who logged in on it (``username!`` where revoked for them)."""
    return store.users.device_list(conn)


def scope_of(conn: Connection, unit_codes: Iterable[str]) -> frozenset[str]:
    return store.users.scope_of(conn, unit_codes)


# ---------------------------------------------------------------------------- login
def _rate_limited(conn: Connection, settings: ServerSettings, username: str, address: str) -> bool:
    since = now_ms() - settings.login_window_seconds * 1000
    store.users.prune_login_failures(conn, before_ms=since)  # they count against nothing now
    by_user, by_addr = store.users.failures_since(
        conn, since_ms=since, username=username, address=address
    )
    return by_user >= settings.login_fail_limit_user or by_addr >= settings.login_fail_limit_ip


def _failure_key(username: str) -> str:
    """The username as counted for rate limits: NFC, bounded, and storable (no NUL)."""
    return nfc(username).replace("\x00", "\ufffd")[:128]


def record_login_failure(conn: Connection, *, username: str, address: str) -> None:
    store.users.add_login_failure(
        conn, username=_failure_key(username), address=address, at_ms=now_ms()
    )


def login(
    conn: Connection,
    settings: ServerSettings,
    *,
    username: str,
    password: str,
    device_id: str,
    address: str,
) -> tuple[str, Principal]:
    """Check credentials and issue a token bound to ``device_id``. Raises :class:`ServerError`."""
    if not DEVICE_ID_RE.fullmatch(device_id):
        raise ServerError(ErrorCode.INVALID_REQUEST, {"field": "device_id"})
    username = _failure_key(username)
    if _rate_limited(conn, settings, username, address):
        raise ServerError(
            ErrorCode.RATE_LIMITED, headers={"Retry-After": str(settings.login_window_seconds)}
        )
    user = None
    if USERNAME_RE.fullmatch(username):  # no other name can exist; do not ask the database
        user = store.users.by_name(conn, username)
    ok = False
    try:
        ok = (
            _hasher.verify(user["password_hash"] if user else _DUMMY_HASH, nfc(password))
            and user is not None
        )
    except (VerificationError, InvalidHashError, UnicodeError):
        ok = False
    if not ok or user is None:
        raise ServerError(ErrorCode.INVALID_CREDENTIALS)
    if user["disabled"]:
        raise ServerError(ErrorCode.ACCOUNT_DISABLED)
    _admit_device(conn, device_id, user["id"])
    token = secrets.token_urlsafe(32)
    store.users.insert_token(
        conn,
        token_hash=_token_hash(token),
        user_id=user["id"],
        device_id=device_id,
        at=iso(),
        expires_at=now_ms() + settings.token_ttl_seconds * 1000,
    )
    store.users.clear_login_failures(conn, username)
    codes = units_of(conn, user["id"])
    principal = Principal(
        user["id"], user["username"], user["role"], codes, device_id, scope_of(conn, codes)
    )
    return token, principal


def _admit_device(conn: Connection, device_id: str, user_id: int) -> None:
    """Refuse a device revoked server-wide or for this user; else note that the user used it."""
    dev = store.users.device(conn, device_id)
    pair = store.users.device_user(conn, device_id, user_id)
    if (dev is not None and dev["revoked"]) or (pair is not None and pair["revoked"]):
        raise ServerError(ErrorCode.DEVICE_REVOKED)
    store.users.note_device_use(conn, device_id, user_id, at=iso())


def authenticate(conn: Connection, token: str) -> Principal:
    """The caller behind a bearer token, or ``unauthorized``."""
    if not token or len(token) > 256:
        raise ServerError(ErrorCode.UNAUTHORIZED)
    row = store.users.token_owner(conn, _token_hash(token))
    if (
        row is None
        or row["disabled"]
        or row["revoked"]
        or row["pair_revoked"]
        or row["expires_at"] < now_ms()
    ):
        raise ServerError(ErrorCode.UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    codes = units_of(conn, row["user_id"])
    return Principal(
        row["user_id"], row["username"], row["role"], codes, row["device_id"], scope_of(conn, codes)
    )
