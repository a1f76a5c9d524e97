"""Log in, log out, switch language."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from server.db.tx import in_read_tx, in_write_tx
from server.errors import ServerError
from server.services import auth as auth_service
from server.services.units import units_in_scope
from server.web.i18n import LANGS
from server.web.repost import describe_post
from server.web.routing import WebRoute, error_page, login_page
from server.web.session import (
    CSRF_FIELD,
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Web,
    anonymous,
    log_in,
    repost_key,
    repost_seal,
    safe_next,
    set_session,
    staff,
)
from shared_schema.errors import ErrorCode

router = APIRouter(route_class=WebRoute, include_in_schema=False)

_LOGIN_ERRORS = {
    ErrorCode.INVALID_CREDENTIALS: "login_failed",
    ErrorCode.RATE_LIMITED: "login_limited",
    ErrorCode.ACCOUNT_DISABLED: "login_disabled",
    ErrorCode.DEVICE_REVOKED: "login_device_revoked",
}


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return login_page(request, safe_next(next), None)


@router.post("/login")
async def login_post(web: Annotated[Web, Depends(anonymous)]) -> Response:
    form = web.form
    cookie = web.request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(form.get(CSRF_FIELD, ""), cookie):
        return error_page(web.request, 403, "csrf")
    next_url = safe_next(form.get("next"))
    saved = [(k.removeprefix("saved."), v) for k, v in form.items() if k.startswith("saved.")]
    seal = form.get("saved_seal", "")
    vouched = bool(saved and seal) and hmac.compare_digest(
        seal, repost_seal(repost_key(web.request), next_url, saved)
    )
    username = form.get("username", "")[:128]
    try:
        token, who = await log_in(web, username, form.get("password", "")[:1024])
    except ServerError as exc:
        key = _LOGIN_ERRORS.get(exc.code, "login_failed")
        status = 429 if exc.code is ErrorCode.RATE_LIMITED else 401
        return login_page(
            web.request,
            next_url,
            saved,
            status=status,
            message_key=key,
            username=username,
            vouched=vouched,
        )
    web.token, web.who = token, who
    response: Response
    if saved and vouched:  # the user's own post, cut short by the expired session: send it on
        response = web.render("repost.html", next_url=next_url, saved=saved)
    elif saved:  # a post that may not be the user's: show it, and send it only if confirmed
        response = web.render(
            "repost_confirm.html",
            next_url=next_url,
            saved=saved,
            described=describe_post(next_url, saved, web.lang, *await _held_units(web, saved)),
        )
    else:
        response = RedirectResponse(next_url, status_code=303)
    set_session(response, web, token)
    return response


async def _held_units(web: Web, saved: list[tuple[str, str]]) -> tuple[dict[str, str], str | None]:
    """The names of the units a held-back form names, those in the user's subtree, and the
    server's tree (a role is named by it)."""
    codes = {v for k, v in saved if k == "unit"}
    if not codes:
        return {}, None
    units = await in_read_tx(web.engine, units_in_scope, web.principal)
    tree = str(units[0]["tree"]) if units else None
    return {str(u["code"]): str(u["name"]) for u in units if u["code"] in codes}, tree


@router.post("/logout")
async def logout(web: Annotated[Web, Depends(staff)]) -> Response:
    await in_write_tx(web.engine, auth_service.log_out, web.token or "")
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/web")
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str | None = None) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response
