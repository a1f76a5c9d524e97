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
from typing import Any, ClassVar

from sqlalchemy import Connection, Engine

from server import store
from server.clock import iso, now_ms
from server.config import ServerSettings
from server.db.tx import in_thread, in_write_tx
from server.errors import ServerError
from server.services import passwords
from shared_schema.entities import ROLES
from shared_schema.errors import ErrorCode
from shared_schema.hlc import DEVICE_ID_RE
from shared_schema.limits import MIN_PASSWORD_LENGTH
from shared_schema.roles import MANAGER_ROLES, REVIEWER_ROLES
from shared_schema.text import nfc

__all__ = [
    "MANAGER_ROLES",
    "REVIEWER_ROLES",
    "WEB_DEVICE_PREFIX",
    "Principal",
    "UserError",
    "authenticate",
    "log_in",
    "log_out",
    "web_device_id",
]

USERNAME_RE = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
# The staff web's own device ids (SYNC.md "Identity and auth"): no device may log in under one.
WEB_DEVICE_PREFIX = "web:"


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
    """A refused account value, as a ``code`` with ``details``: the CLI words it in English
    (``str()``), the staff web in the reader's language (``server/web/i18n.py``, ``err_<code>``)."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "invalid_username": "invalid username: letters, digits, _ . @ - (1–64)",
        "unknown_role": "unknown role {role!r}: one of " + ", ".join(ROLES),
        "no_unit": "a user needs at least one unit",
        "unknown_unit": "unknown unit(s) {units}: import units first (dkst units import)",
        "password_too_short": f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
        "user_exists": (
            "user {username!r} exists already (a new password: dkst users set-password {username})"
        ),
        "no_such_user": "no user {username!r}",
        "role_not_grantable": "you may not give the role {role!r} on this unit",
        "unit_out_of_scope": "unit {unit!r} is not in your units",
    }

    def __init__(self, code: str, **details: Any) -> None:
        self.code = code
        self.details = details
        super().__init__(self.ENGLISH[code].format(**details))


def hash_password(password: str) -> str:
    # NFC: a keyboard that types "ế" decomposed must still match the password as it was set.
    return passwords.hash_password(nfc(password))


def check_password_rule(password: str) -> None:
    """The one password rule of the CLI, the staff web and the API's administration."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password_too_short")


def web_device_id(username: str) -> str:
    """The staff web's device id of ``username``: ``web:`` and the name, one per user.

    ``@`` (a username may hold one, a device id may not) becomes ``:``, which no username holds,
    so ``dup@x`` and ``dup_x`` get two ids; a name too long for the 64 characters of a device id
    becomes the first 60 hex digits of its SHA-256 (issue 16).
    """
    body = nfc(username).replace("@", ":")
    if len(WEB_DEVICE_PREFIX) + len(body) > 64 or not DEVICE_ID_RE.fullmatch(
        WEB_DEVICE_PREFIX + body
    ):
        body = hashlib.sha256(nfc(username).encode("utf-8", "surrogatepass")).hexdigest()[:60]
    return WEB_DEVICE_PREFIX + body


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# ---------------------------------------------------------------------------- users
def add_user(
    conn: Connection, *, username: str, password: str, role: str, unit_codes: Iterable[str]
) -> int:
    username = nfc(username)
    if not USERNAME_RE.fullmatch(username):
        raise UserError("invalid_username")
    if role not in ROLES:
        raise UserError("unknown_role", role=role)
    codes = list(dict.fromkeys(unit_codes))
    if not codes:
        raise UserError("no_unit")
    known = store.users.known_units(conn, codes)
    missing = [c for c in codes if c not in known]
    if missing:
        raise UserError("unknown_unit", units=", ".join(missing))
    check_password_rule(password)
    if store.users.id_of(conn, username) is not None:
        raise UserError("user_exists", username=username)
    return store.users.insert_user(
        conn,
        username=username,
        password_hash=hash_password(password),
        role=role,
        units_=codes,
        at=iso(),
    )


def set_password(conn: Connection, username: str, password: str) -> None:
    """A new password for ``username`` (the server's CLI: a lost password, a demo user's); every
    token of theirs ends, so every session logs in again with it."""
    username = nfc(username)
    user_id = store.users.id_of(conn, username) if USERNAME_RE.fullmatch(username) else None
    if user_id is None:
        raise UserError("no_such_user", username=username)
    check_password_rule(password)
    store.users.set_password(conn, user_id, hash_password(password))


def units_of(conn: Connection, user_id: int) -> tuple[str, ...]:
    """The unit codes a user is bound to."""
    return store.users.units_of(conn, user_id)


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


def revoke_user(conn: Connection, username: str) -> bool:
    """Disable a user and drop their tokens (the CLI; the web and the API go through
    ``services.accounts``, which checks who may). False when there is no such user."""
    username = nfc(username)
    if not USERNAME_RE.fullmatch(username):
        return False
    user_id = store.users.id_of(conn, username)
    if user_id is None:
        return False
    store.users.disable(conn, user_id)
    return True


def revoke_device(conn: Connection, device_id: str) -> bool:
    """Revoke a device for every user, now and later, and drop its tokens (the server's CLI).
    False when the device is unknown."""
    if not DEVICE_ID_RE.fullmatch(device_id) or store.users.device(conn, device_id) is None:
        return False
    store.users.revoke_device_everywhere(conn, device_id)
    return True


def users_of_device(conn: Connection, device_id: str) -> list[int]:
    """The ids of the users who logged in on ``device_id``."""
    if not DEVICE_ID_RE.fullmatch(device_id):
        return []
    return store.users.users_of_device(conn, device_id)


def revoke_device_for(conn: Connection, device_id: str, user_ids: list[int]) -> None:
    """Revoke a device for these users only, and drop their tokens on it."""
    store.users.revoke_device_for(conn, device_id, user_ids)


def list_devices(conn: Connection) -> list[dict[str, object]]:
    """Every device with the users who logged in on it (``username!`` where revoked for them)."""
    return store.users.device_list(conn)


def scope_of(conn: Connection, unit_codes: Iterable[str]) -> frozenset[str]:
    return store.users.scope_of(conn, unit_codes)


# ---------------------------------------------------------------------------- login
def _failure_key(username: str) -> str:
    """The username as counted for rate limits: NFC, bounded, and storable (no NUL)."""
    return nfc(username).replace("\x00", "\ufffd")[:128]


@dataclass(frozen=True)
class _Attempt:
    attempt_id: int
    user: dict[str, Any] | None


def _begin_attempt(
    conn: Connection, settings: ServerSettings, username: str, address: str
) -> _Attempt:
    """Take the attempt's place in the limits, atomically, before any password is checked.

    The attempt is stored as a failure at once and forgotten only once its password proves right,
    so that of any number of concurrent wrong passwords at most the limit are checked (SYNC.md
    "Identity and auth"; issue 16: 33 to 39 of 40 parallel guesses were checked). The count and
    the insert run under the username's and the address's locks (PostgreSQL: advisory locks;
    SQLite: the write lock of ``BEGIN IMMEDIATE``).
    """
    store.users.lock_login_keys(conn, username=username, address=address)
    since = now_ms() - settings.login_window_seconds * 1000
    store.users.prune_login_failures(conn, before_ms=since)  # they count against nothing now
    by_user, by_addr = store.users.failures_since(
        conn, since_ms=since, username=username, address=address
    )
    if by_user >= settings.login_fail_limit_user or by_addr >= settings.login_fail_limit_ip:
        raise ServerError(ErrorCode.RATE_LIMITED, {"retry_after": settings.login_window_seconds})
    attempt_id = store.users.add_login_failure(
        conn, username=username, address=address, at_ms=now_ms()
    )
    user = store.users.by_name(conn, username) if USERNAME_RE.fullmatch(username) else None
    return _Attempt(attempt_id, None if user is None else dict(user))


def _finish_attempt(
    conn: Connection, settings: ServerSettings, attempt: _Attempt, device_id: str
) -> tuple[str, Principal] | ErrorCode:
    """The password was right: forget the attempt, admit the device, issue the token; or the
    code that refuses the user or device (returned, not raised: the attempt is forgotten still)."""
    user = attempt.user
    assert user is not None
    now = store.users.by_name(conn, user["username"])
    if now is None or now["password_hash"] != user["password_hash"]:
        return ErrorCode.INVALID_CREDENTIALS  # changed meanwhile: the failure stays
    store.users.drop_login_failure(conn, attempt.attempt_id)
    if now["disabled"]:
        return ErrorCode.ACCOUNT_DISABLED
    if not _admit_device(conn, device_id, now["id"]):
        return ErrorCode.DEVICE_REVOKED
    token = secrets.token_urlsafe(32)
    store.users.insert_token(
        conn,
        token_hash=_token_hash(token),
        user_id=now["id"],
        device_id=device_id,
        at=iso(),
        expires_at=now_ms() + settings.token_ttl_seconds * 1000,
    )
    codes = units_of(conn, now["id"])
    principal = Principal(
        now["id"], now["username"], now["role"], codes, device_id, scope_of(conn, codes)
    )
    return token, principal


async def log_in(
    engine: Engine,
    settings: ServerSettings,
    *,
    username: str,
    password: str,
    device_id: str,
    address: str,
    web: bool = False,
) -> tuple[str, Principal]:
    """Check credentials and issue a token bound to ``device_id``; raises :class:`ServerError`.

    Three steps, none holding the database while Argon2 runs (about a fifth of a second): take
    the attempt's place in the limits, check the password, issue the token. ``web``: the staff
    web's own login, under its ``web:`` device id, which no other login may use.
    """
    if not DEVICE_ID_RE.fullmatch(device_id) or device_id.startswith(WEB_DEVICE_PREFIX) != web:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"field": "device_id"})
    key = _failure_key(username)
    attempt = await in_write_tx(engine, _begin_attempt, settings, key, address)
    stored = attempt.user["password_hash"] if attempt.user else None
    if not await in_thread(passwords.verify, stored, nfc(password)):
        raise ServerError(ErrorCode.INVALID_CREDENTIALS)
    done = await in_write_tx(engine, _finish_attempt, settings, attempt, device_id)
    if isinstance(done, ErrorCode):
        raise ServerError(done)
    return done


def _admit_device(conn: Connection, device_id: str, user_id: int) -> bool:
    """False for a device revoked server-wide or for this user; else note that the user used it."""
    dev = store.users.device(conn, device_id)
    pair = store.users.device_user(conn, device_id, user_id)
    if (dev is not None and dev["revoked"]) or (pair is not None and pair["revoked"]):
        return False
    store.users.note_device_use(conn, device_id, user_id, at=iso())
    return True


def log_out(conn: Connection, token: str) -> None:
    """End one session: its token is refused from now on (the user's other sessions go on)."""
    if token and len(token) <= 256:
        store.users.drop_token(conn, _token_hash(token))


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
        raise ServerError(ErrorCode.UNAUTHORIZED)
    codes = units_of(conn, row["user_id"])
    return Principal(
        row["user_id"], row["username"], row["role"], codes, row["device_id"], scope_of(conn, codes)
    )
