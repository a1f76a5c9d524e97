"""The pages' route class: a domain error becomes an HTML page, not the API's JSON body.

``not_found`` (also a unit or record outside the caller's scope) is a 404 page, ``forbidden`` a
403 page; a missing session sends the browser to log in; a forged CSRF token is a 403 page.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import RedirectResponse, Response

from server.errors import ServerError
from server.web.render import render_page
from server.web.session import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    CsrfRejected,
    LoginRequired,
    Web,
    lang_of_request,
    login_redirect,
    new_login_csrf,
    repost_key,
    repost_seal,
)
from shared_schema.errors import ErrorCode, http_status

_PAGE_KEY = {
    ErrorCode.NOT_FOUND: "not_found",
    ErrorCode.FORBIDDEN: "forbidden",
}


def _bare(request: Request) -> Web:
    app = request.app
    return Web(request, app.state.engine, app.state.settings, lang_of_request(request))


def error_page(request: Request, status: int, key: str) -> Response:
    return render_page(_bare(request), "error.html", status, {"message_key": key})


def login_page(
    request: Request,
    next_url: str,
    saved: list[tuple[str, str]] | None,
    *,
    status: int = 200,
    message_key: str | None = None,
    username: str = "",
    vouched: bool = False,
) -> Response:
    """The login form; ``saved``: a post's fields riding along, sealed when ``vouched`` (they may
    then be posted again without asking, see ``server.web.session``)."""
    csrf = new_login_csrf()
    seal = repost_seal(repost_key(request), next_url, saved) if saved and vouched else ""
    resp = render_page(
        _bare(request),
        "login.html",
        status,
        {
            "next_url": next_url,
            "saved": saved or [],
            "login_csrf": csrf,
            "message_key": message_key,
            "username": username,
            "csrf_field": CSRF_FIELD,
            "seal": seal,
        },
    )
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/web",
    )
    return resp


class WebRoute(APIRoute):
    """A page: answers HEAD wherever it answers GET (a link checker, a proxy's health probe)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = kwargs.get("methods")
        if methods and "GET" in {m.upper() for m in methods}:
            kwargs["methods"] = {*methods, "HEAD"}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                if exc.saved is None:
                    return RedirectResponse(login_redirect(exc.next_url), status_code=303)
                key = "session_expired"
                return login_page(
                    request,
                    exc.next_url,
                    exc.saved,
                    status=401,
                    message_key=key,
                    vouched=exc.vouched,
                )
            except CsrfRejected:
                return error_page(request, 403, "csrf")
            except ServerError as exc:
                key = _PAGE_KEY.get(exc.code, "bad_request")
                return error_page(request, http_status(exc.code), key)

        return route
