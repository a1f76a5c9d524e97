"""Administration within a subtree (district staff and administrators): users, their passwords,
devices, and the provisioning payload a field app scans. A user belongs to a caller's subtree when
all of that user's units lie in it, as for revocation (``services.auth``); anyone else does not
exist for the caller (``not_found``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from server.errors import ServerError
from server.services import auth as auth_service
from server.services.auth import MANAGER_ROLES, Principal, UserError
from server.store import staff as store
from shared_schema.entities import ROLES
from shared_schema.errors import ErrorCode
from shared_schema.text import nfc


def require_manager(who: Principal) -> None:
    if who.role not in MANAGER_ROLES:
        raise ServerError(ErrorCode.FORBIDDEN)


def assignable_roles(who: Principal) -> tuple[str, ...]:
    """Administrators give any role; district staff every role but administrator."""
    return ROLES if who.role == "admin" else tuple(r for r in ROLES if r != "admin")


def users_within(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    require_manager(who)
    return [u for u in store.users_with_units(conn) if u["units"] and set(u["units"]) <= who.scope]


def user_within(conn: Connection, who: Principal, username: str) -> dict[str, Any]:
    found = [u for u in users_within(conn, who) if u["username"] == nfc(username)]
    if not found:
        raise ServerError(ErrorCode.NOT_FOUND)
    return found[0]


def add_user(
    conn: Connection, who: Principal, *, username: str, password: str, role: str, unit: str
) -> None:
    """Add a user under a unit of the caller's subtree; a refused value raises :class:`UserError`."""
    require_manager(who)
    if role not in assignable_roles(who):
        raise UserError("role")
    if unit not in who.scope:
        raise UserError("unit")
    auth_service.add_user(conn, username=username, password=password, role=role, unit_codes=[unit])


def reset_password(conn: Connection, who: Principal, username: str, password: str) -> None:
    user = user_within(conn, who, username)
    if len(password) < 8:
        raise UserError("the password must have at least 8 characters")
    store.set_password(conn, int(user["id"]), auth_service.hash_password(password))


def revoke_user(conn: Connection, who: Principal, username: str) -> None:
    require_manager(who)
    if not auth_service.revoke_user(conn, username, within=who.scope):
        raise ServerError(ErrorCode.NOT_FOUND)


def devices_within(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    """Devices used by a user of the caller's subtree, with those users only."""
    inside = {u["id"]: u["username"] for u in users_within(conn, who)}
    out: dict[str, dict[str, Any]] = {}
    for use in store.device_uses(conn):
        if use["user_id"] not in inside:
            continue
        d = out.setdefault(
            use["device_id"],
            {"device_id": use["device_id"], "users": [], "last_seen": "", "revoked": True},
        )
        d["users"].append({"username": use["username"], "revoked": bool(use["revoked"])})
        d["last_seen"] = max(d["last_seen"], use["last_seen"])
        d["revoked"] = d["revoked"] and (bool(use["revoked"]) or bool(use["device_revoked"]))
    return sorted(out.values(), key=lambda d: d["last_seen"], reverse=True)


def revoke_device(conn: Connection, who: Principal, device_id: str) -> None:
    require_manager(who)
    if not auth_service.revoke_device(conn, device_id, within=who.scope):
        raise ServerError(ErrorCode.NOT_FOUND)


def provisioning(
    conn: Connection, who: Principal, username: str, *, server_url: str, lang: str
) -> dict[str, Any]:
    """What the field app's set-up QR code holds: the server, the username, the language. Never a
    password or a token: a photographed code gives nobody a session."""
    user = user_within(conn, who, username)
    return {"dkst": 1, "server": server_url, "username": user["username"], "lang": lang}
