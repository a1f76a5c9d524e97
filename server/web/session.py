"""Who is at the browser: a session cookie holding an API token, CSRF tokens, the page context.

A web session is a token of the API's own machinery (``services.auth.login``) bound to the device
id ``web:<username>``, so the same rate limits apply, a revoked user or device loses the page at
the next request, and a review made in a page is a change from that device (SYNC.md "Review").
The cookie is HttpOnly, SameSite=Lax, Secure over https. The CSRF token of a session is an HMAC
of its token: nothing to store, and it dies with the session. The login form, before any session,
uses a double-submit cookie.

A request whose session has expired does not lose what was typed: a GET is sent to log in and back;
a POST's fields ride along in the login form. Once logged in they are posted again by themselves
only when they came with the CSRF token of the session that expired (the browser still sent its
cookie): the post was the user's own. Any other (a cross-site post arrives without the SameSite=Lax
cookie) is shown on a page that says what would be sent, and is sent only if the user confirms
(issue 16: an attacker's form was re-posted with the victim's fresh token). The login form carries
that verdict signed, so nothing in it can be forged into a re-post.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import Request
from sqlalchemy import Engine
from starlette.responses import HTMLResponse, Response

from server.config import ServerSettings
from server.db.engine import read_tx
from server.db.tx import in_read_tx, in_thread
from server.errors import ServerError
from server.services import accounts, reform_checks, report_facts
from server.services import auth as auth_service
from server.services.auth import MANAGER_ROLES, REVIEWER_ROLES, Principal
from server.web.i18n import LANGS, tr
from server.web.render import render_page
from shared_schema.text import nfc
from shared_schema.titles import role_title

SESSION_COOKIE = "dkst_session"
LOGIN_CSRF_COOKIE = "dkst_login_csrf"
LANG_COOKIE = "dkst_lang"
CSRF_FIELD = "csrf"


class LoginRequired(Exception):
    """No valid session: log in, then come back to ``next_url`` (re-posting ``saved``; by itself
    only when ``vouched``: they came with the expired session's own CSRF token)."""

    def __init__(
        self, next_url: str, saved: list[tuple[str, str]] | None = None, *, vouched: bool = False
    ) -> None:
        super().__init__(next_url)
        self.next_url = next_url
        self.saved = saved
        self.vouched = vouched


class CsrfRejected(Exception):
    """A form posted without this session's CSRF token."""


def csrf_of(token: str) -> str:
    return hmac.new(token.encode(), b"dkst-web-csrf", hashlib.sha256).hexdigest()[:40]


def repost_seal(key: bytes, next_url: str, saved: list[tuple[str, str]]) -> str:
    """The signature of fields that may be posted again without asking (see the module's doc)."""
    body = orjson.dumps([next_url, saved])
    return hmac.new(key, b"dkst-web-repost\x00" + body, hashlib.sha256).hexdigest()


def repost_key(request: Request) -> bytes:
    key: bytes = request.app.state.cursor_codec.derived_key(b"web-repost")
    return key


def lang_of_request(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "vi")
    return lang if lang in LANGS else "vi"


def safe_next(url: str | None) -> str:
    """Only a path of these pages: never a redirect to another site."""
    if url and url.startswith("/web") and not url.startswith("//") and "\\" not in url:
        return url
    return "/web/"


@dataclass
class Web:
    """One request to a page: the caller (None on the login page), language, posted form."""

    request: Request
    engine: Engine
    settings: ServerSettings
    lang: str
    who: Principal | None = None
    token: str | None = None
    form: dict[str, str] = field(default_factory=dict)
    # The caller's own units and the server's tree (``accounts.who_is``), for the caller's title.
    own: dict[str, Any] = field(default_factory=dict)

    @property
    def principal(self) -> Principal:
        assert self.who is not None
        return self.who

    @property
    def csrf(self) -> str:
        return csrf_of(self.token) if self.token else ""

    @property
    def is_manager(self) -> bool:
        return self.who is not None and self.who.role in MANAGER_ROLES

    @property
    def is_reviewer(self) -> bool:
        return self.who is not None and self.who.role in REVIEWER_ROLES

    @property
    def tree(self) -> str | None:
        """The tree the server works in (``legacy`` / ``current``; None before any unit)."""
        return self.own.get("tree")

    @property
    def who_title(self) -> str:
        """What the caller is, named for its unit: "Cán bộ MTTQ tỉnh" (issue 19)."""
        if self.who is None:
            return ""
        return role_title(self.who.role, self.own.get("units", ()), self.tree, self.lang)

    @cached_property
    def reform_open(self) -> int:
        """Choices of the 2025 reform left for this caller to check (the menu links the page
        while there are some)."""
        if not self.is_reviewer:
            return 0
        with read_tx(self.engine) as conn:
            return reform_checks.open_count(conn, self.principal)

    def t(self, key: str) -> str:
        return tr(key, self.lang)

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return render_page(self, template, status, context)

    def url_here(self) -> str:
        q = self.request.url.query
        return self.request.url.path + ("?" + q if q else "")


async def _form(request: Request) -> dict[str, str]:
    if request.method != "POST":
        return {}
    data = await request.form()
    return {k: nfc(v) for k, v in data.items() if isinstance(v, str)}


async def anonymous(request: Request) -> Web:
    """The context of a page anyone may open (the login page)."""
    app = request.app
    return Web(
        request,
        app.state.engine,
        app.state.settings,
        lang_of_request(request),
        form=await _form(request),
    )


async def staff(request: Request) -> Web:
    """The logged-in caller; every POST must carry the session's CSRF token (else 403)."""
    web = await anonymous(request)
    token = request.cookies.get(SESSION_COOKIE, "")

    def who(conn: Any) -> tuple[Principal, dict[str, Any]]:
        found = auth_service.authenticate(conn, token)
        return found, accounts.who_is(conn, found)

    try:
        web.who, web.own = await in_read_tx(web.engine, who)
    except ServerError:
        saved = [(k, v) for k, v in web.form.items() if k != CSRF_FIELD]
        path = request.url.path + ("?" + request.url.query if request.url.query else "")
        if request.method != "POST":
            raise LoginRequired(path) from None
        vouched = bool(token) and hmac.compare_digest(web.form.get(CSRF_FIELD, ""), csrf_of(token))
        raise LoginRequired(path, saved, vouched=vouched) from None
    web.token = token
    if request.method == "POST" and not hmac.compare_digest(web.form.get(CSRF_FIELD, ""), web.csrf):
        raise CsrfRejected()
    # Every staff page may show report figures: they include each push answered before.
    await in_thread(report_facts.current, web.engine)
    return web


def login_redirect(next_url: str) -> str:
    return "/web/login?next=" + quote(next_url, safe="")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


async def log_in(web: Web, username: str, password: str) -> tuple[str, Principal]:
    """A session token for the user, through the API's login (rate limits and all), bound to the
    web's own device id of that user."""
    request = web.request
    return await auth_service.log_in(
        web.engine,
        web.settings,
        username=username,
        password=password,
        device_id=auth_service.web_device_id(username),
        address=request.client.host if request.client else "unknown",
        web=True,
    )


def set_session(response: Response, web: Web, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=web.settings.token_ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=web.request.url.scheme == "https",
        path="/web",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/web")
