"""Administration pages for district staff and administrators, within their subtree: users (add,
reset password, revoke, set-up QR code) and devices (list, revoke)."""

from __future__ import annotations

import io
from typing import Annotated, Any

import orjson
import segno
from fastapi import APIRouter, Depends
from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from server.db.engine import read_tx, write_tx
from server.services import accounts
from server.services.auth import UserError
from server.web.pages.common import pickable_units
from server.web.routing import WebRoute
from server.web.session import Web, staff

router = APIRouter(route_class=WebRoute, include_in_schema=False)
_ROLE_KEY = {"admin": "admin_role"}


def _users_page(web: Web, status: int = 200, **extra: Any) -> Response:
    with read_tx(web.engine) as conn:
        users = accounts.users_within(conn, web.principal)
        units = pickable_units(conn, web.principal)
    return web.render(
        "admin_users.html",
        status=status,
        active="admin",
        users=users,
        units=units,
        unit_names={str(u["code"]): str(u["name"]) for u in units},
        roles=accounts.assignable_roles(web.principal),
        role_key=lambda r: _ROLE_KEY.get(r, r),
        notice=web.request.query_params.get("done") and "done",
        **extra,
    )


@router.get("/admin/users")
def users_page(web: Annotated[Web, Depends(staff)]) -> Response:
    return _users_page(web)


@router.post("/admin/users")
def add_user(web: Annotated[Web, Depends(staff)]) -> Response:
    f = web.form
    try:
        with write_tx(web.engine) as conn:
            accounts.add_user(
                conn,
                web.principal,
                username=f.get("username", "").strip(),
                password=f.get("password", ""),
                role=f.get("role", ""),
                unit=f.get("unit", ""),
            )
    except UserError as exc:
        return _users_page(web, status=400, add_error=str(exc), add_form=f)
    return RedirectResponse("/web/admin/users?done=1", status_code=303)


@router.post("/admin/users/{username}/password")
def reset_password(username: str, web: Annotated[Web, Depends(staff)]) -> Response:
    try:
        with write_tx(web.engine) as conn:
            accounts.reset_password(conn, web.principal, username, web.form.get("password", ""))
    except UserError:
        return _users_page(web, status=400, password_error=username)
    return RedirectResponse("/web/admin/users?done=1", status_code=303)


@router.post("/admin/users/{username}/revoke")
def revoke_user(username: str, web: Annotated[Web, Depends(staff)]) -> Response:
    with write_tx(web.engine) as conn:
        accounts.revoke_user(conn, web.principal, username)
    return RedirectResponse("/web/admin/users?done=1", status_code=303)


@router.get("/admin/users/{username}/qr")
def user_qr(username: str, web: Annotated[Web, Depends(staff)]) -> Response:
    lang = web.request.query_params.get("lang") or web.lang
    server_url = str(web.request.base_url).rstrip("/")
    with read_tx(web.engine) as conn:
        payload = accounts.provisioning(
            conn, web.principal, username, server_url=server_url, lang=lang
        )
    text = orjson.dumps(payload).decode()
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="svg", scale=6, border=2, xmldecl=False)
    return web.render(
        "admin_qr.html",
        active="admin",
        payload=payload,
        payload_text=text,
        svg=Markup(buf.getvalue().decode()),
    )


@router.get("/admin/devices")
def devices_page(web: Annotated[Web, Depends(staff)]) -> Response:
    with read_tx(web.engine) as conn:
        devices = accounts.devices_within(conn, web.principal)
    return web.render(
        "admin_devices.html",
        active="admin",
        devices=devices,
        notice=web.request.query_params.get("done") and "done",
    )


@router.post("/admin/devices/{device_id}/revoke")
def revoke_device(device_id: str, web: Annotated[Web, Depends(staff)]) -> Response:
    with write_tx(web.engine) as conn:
        accounts.revoke_device(conn, web.principal, device_id)
    return RedirectResponse("/web/admin/devices?done=1", status_code=303)
