"""Administration pages for district staff and administrators, within their subtree: users (add,
reset password, revoke, set-up QR code) and devices (list, revoke), on the users whose role the
caller could grant (``services.accounts``)."""

from __future__ import annotations

import io
import ipaddress
from typing import Annotated, Any
from urllib.parse import urlsplit

import segno
from fastapi import APIRouter, Depends
from markupsafe import Markup
from sqlalchemy import Connection
from starlette.responses import RedirectResponse, Response

from server.db.tx import in_read_tx, in_write_tx
from server.services import accounts
from server.services.auth import UserError
from server.web.pages.common import pickable_units
from server.web.routing import WebRoute
from server.web.session import Web, staff
from shared_schema.limits import MIN_PASSWORD_LENGTH
from shared_schema.provisioning import ProvisioningError, encode
from shared_schema.titles import role_name, role_title

router = APIRouter(route_class=WebRoute, include_in_schema=False)
_DONE = "/web/admin/users?done=1"


async def _users_page(web: Web, status: int = 200, **extra: Any) -> Response:
    def read(conn: Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return accounts.users_within(conn, web.principal), pickable_units(conn, web.principal)

    users, units = await in_read_tx(web.engine, read)
    by_code = {str(u["code"]): u for u in units}

    def title_of(user: dict[str, Any]) -> str:
        own = [by_code[c] for c in user["units"] if c in by_code]
        return role_title(str(user["role"]), own, web.tree, web.lang)

    return web.render(
        "admin_users.html",
        status=status,
        active="admin",
        users=users,
        units=units,
        unit_names={str(u["code"]): str(u["name"]) for u in units},
        roles=accounts.assignable_roles(web.principal),
        title_of=title_of,
        role_label=lambda r: role_name(r, web.tree, web.lang),
        min_password=MIN_PASSWORD_LENGTH,
        notice=web.request.query_params.get("done") and "done",
        **extra,
    )


@router.get("/admin/users")
async def users_page(web: Annotated[Web, Depends(staff)]) -> Response:
    return await _users_page(web)


@router.post("/admin/users")
async def add_user(web: Annotated[Web, Depends(staff)]) -> Response:
    f = web.form
    try:
        await in_write_tx(
            web.engine,
            lambda conn: accounts.add_user(
                conn,
                web.principal,
                username=f.get("username", "").strip(),
                password=f.get("password", ""),
                role=f.get("role", ""),
                unit=f.get("unit", ""),
            ),
        )
    except UserError as exc:
        return await _users_page(web, status=400, add_error="err_" + exc.code, add_form=f)
    return RedirectResponse(_DONE, status_code=303)


@router.post("/admin/users/{username}/password")
async def reset_password(username: str, web: Annotated[Web, Depends(staff)]) -> Response:
    password = web.form.get("password", "")
    try:
        await in_write_tx(web.engine, accounts.reset_password, web.principal, username, password)
    except UserError:
        return await _users_page(web, status=400, password_error=username)
    return RedirectResponse(_DONE, status_code=303)


@router.post("/admin/users/{username}/revoke")
async def revoke_user(username: str, web: Annotated[Web, Depends(staff)]) -> Response:
    await in_write_tx(web.engine, accounts.revoke_user, web.principal, username)
    return RedirectResponse(_DONE, status_code=303)


@router.get("/admin/users/{username}/qr")
async def user_qr(username: str, web: Annotated[Web, Depends(staff)]) -> Response:
    lang = web.request.query_params.get("lang") or web.lang
    # The configured address, never the request's Host header (the sender chooses that).
    server_url = web.settings.public_url.rstrip("/")
    payload = await in_read_tx(
        web.engine,
        lambda conn: accounts.provisioning(
            conn, web.principal, username, server_url=server_url, lang=lang
        ),
    )
    try:
        text = encode(payload["server"], payload["username"], payload["lang"])
    except ProvisioningError:
        return web.render("admin_qr.html", active="admin", payload=payload, svg=None)
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="svg", scale=6, border=2, xmldecl=False)
    return web.render(
        "admin_qr.html",
        active="admin",
        payload=payload,
        payload_text=text,
        svg=Markup(buf.getvalue().decode()),
        loopback=_is_loopback(server_url),
    )


def _is_loopback(url: str) -> bool:
    """Whether only this computer reaches ``url`` (a phone scanning it would find nothing)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@router.get("/admin/devices")
async def devices_page(web: Annotated[Web, Depends(staff)]) -> Response:
    devices = await in_read_tx(web.engine, accounts.devices_within, web.principal)
    return web.render(
        "admin_devices.html",
        active="admin",
        devices=devices,
        notice=web.request.query_params.get("done") and "done",
    )


@router.post("/admin/devices/{device_id}/revoke")
async def revoke_device(device_id: str, web: Annotated[Web, Depends(staff)]) -> Response:
    await in_write_tx(web.engine, accounts.revoke_device, web.principal, device_id)
    return RedirectResponse("/web/admin/devices?done=1", status_code=303)
