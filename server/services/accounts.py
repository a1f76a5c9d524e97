"""Administration within a subtree (district staff and administrators): users, their passwords,
devices, and the provisioning payload a field app scans.

A user belongs to a caller's subtree when all of that user's units lie in it, as for revocation
(``services.auth``); anyone else does not exist for the caller (``not_found``). Inside the subtree
the caller acts only on users whose role they could grant there (``shared_schema.roles``): a user
they could not grant, an administrator or a peer, is ``forbidden`` (issue 16: district staff reset
their administrator's password and logged in as them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from server.errors import ServerError
from server.services import auth as auth_service
from server.services.auth import Principal, UserError
from server.services.units import server_tree
from server.store import staff as store
from server.store import units as store_units
from shared_schema.errors import ErrorCode
from shared_schema.roles import MANAGER_ROLES, grantable_roles, may_grant
from shared_schema.text import nfc
from shared_schema.titles import role_title


def who_is(conn: Connection, who: Principal) -> dict[str, Any]:
    """``{"units": [{"code", "name", "level", "parent", "tree"}], "tree"}``: the caller's own
    units and the server's tree, what the caller's title is made of (``shared_schema.titles``)."""
    # Every page asks: the user's own units by key, their tree with them (a server works in one).
    units = store_units.by_codes(conn, who.units)
    return {"units": units, "tree": units[0]["tree"] if units else None}


def with_titles(conn: Connection, users: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Each user with ``title``: the role named for the user's units on the server's tree
    ("Cán bộ MTTQ tỉnh" for a ``district_staff`` of a province)."""
    tree = server_tree(conn)
    found = {
        u["code"]: u
        for u in store_units.by_codes(conn, sorted({c for u in users for c in u["units"]}))
    }
    return [
        {
            **u,
            "title": role_title(
                str(u["role"]), [found[c] for c in u["units"] if c in found], tree, lang
            ),
        }
        for u in users
    ]


def require_manager(who: Principal) -> None:
    if who.role not in MANAGER_ROLES:
        raise ServerError(ErrorCode.FORBIDDEN)


def assignable_roles(who: Principal) -> tuple[str, ...]:
    """The roles the caller may give somewhere in their subtree (the add form's choices)."""
    return grantable_roles(who.role)


def manageable(who: Principal, user: dict[str, Any]) -> bool:
    """Whether the caller may act on ``user`` (one of :func:`users_within`)."""
    return may_grant(who.role, who.units, str(user["role"]), user["units"])


def users_within(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    """The users of the caller's subtree, each with ``manageable``: whether the caller may act."""
    require_manager(who)
    return [
        {**u, "manageable": manageable(who, u)}
        for u in store.users_with_units(conn)
        if u["units"] and set(u["units"]) <= who.scope
    ]


def user_within(conn: Connection, who: Principal, username: str) -> dict[str, Any]:
    """A user the caller may act on: ``not_found`` outside the subtree, ``forbidden`` inside it
    for a role the caller could not grant."""
    found = [u for u in users_within(conn, who) if u["username"] == nfc(username)]
    if not found:
        raise ServerError(ErrorCode.NOT_FOUND)
    if not found[0]["manageable"]:
        raise ServerError(ErrorCode.FORBIDDEN)
    return found[0]


def add_user(
    conn: Connection, who: Principal, *, username: str, password: str, role: str, unit: str
) -> None:
    """Add a user under a unit of the caller's subtree; a refused value raises :class:`UserError`."""
    require_manager(who)
    if unit not in who.scope:
        raise UserError("unit_out_of_scope", unit=unit)
    if not may_grant(who.role, who.units, role, [unit]):
        raise UserError("role_not_grantable", role=role)
    auth_service.add_user(conn, username=username, password=password, role=role, unit_codes=[unit])


def reset_password(conn: Connection, who: Principal, username: str, password: str) -> None:
    user = user_within(conn, who, username)
    auth_service.set_password(conn, str(user["username"]), password)


def revoke_user(conn: Connection, who: Principal, username: str) -> None:
    """Disable a user of the subtree that the caller may act on (204 again if already done)."""
    user = user_within(conn, who, username)
    auth_service.revoke_user(conn, str(user["username"]))


def _device_users(who: Principal, users: list[dict[str, Any]]) -> set[int]:
    """Whose devices the caller may revoke, of ``users`` (theirs, :func:`users_within`): the
    users they may act on, and their own (a lost phone); never a peer's or a superior's."""
    return {u["id"] for u in users if u["manageable"]} | {who.user_id}


def devices_within(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    """Devices used by users the caller may act on (or by the caller), with those users only."""
    inside = _device_users(who, users_within(conn, who))
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
    """Revoke a device for the users of the subtree who used it and whom the caller may act on,
    the caller included (SYNC.md "Identity and auth"): ``not_found`` when no user of the subtree
    used it, ``forbidden`` when only users the caller may not act on did."""
    users = users_within(conn, who)
    inside = {u["id"] for u in users}
    used_by = [uid for uid in auth_service.users_of_device(conn, device_id) if uid in inside]
    if not used_by:
        raise ServerError(ErrorCode.NOT_FOUND)
    allowed = _device_users(who, users)
    mine = [uid for uid in used_by if uid in allowed]
    if not mine:
        raise ServerError(ErrorCode.FORBIDDEN)
    auth_service.revoke_device_for(conn, device_id, mine)


def provisioning(
    conn: Connection, who: Principal, username: str, *, server_url: str, lang: str
) -> dict[str, Any]:
    """What the field app's set-up QR code holds: the server, the username, the language. Never a
    password or a token: a photographed code gives nobody a session."""
    user = user_within(conn, who, username)
    return {"dkst": 1, "server": server_url, "username": user["username"], "lang": lang}
