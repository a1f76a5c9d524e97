"""Jinja2 templates of the pages: one environment, autoescaped, every page ``extends base.html``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from server.config import ServerSettings
from server.web.i18n import tr
from shared_schema.display import review_state_label
from shared_schema.entities import REVIEW_STATES
from shared_schema.titles import front_body


class PageRequest(Protocol):
    """What a page needs of its request (``server.web.session.Web``): the reader's language and
    the server's settings. A protocol, so that this module needs nothing of the session's."""

    lang: str

    @property
    def settings(self) -> ServerSettings: ...


HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _json_script(value: Any) -> Markup:
    """A value for a ``<script type="application/json">``: ``</`` can never close the tag."""
    text = orjson.dumps(value).decode().replace("</", "<\\/")
    return Markup(text)


def _num(value: Any) -> str:
    """Numbers the Vietnamese way: 1.234.567 (a dot groups thousands)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "" if value is None else str(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{int(value):,}".replace(",", ".")


_VIETNAM = timezone(timedelta(hours=7))


def _vntime(value: Any) -> str:
    """A stored UTC instant (``…Z``) shown in Vietnam time, ``YYYY-MM-DD HH:MM``."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return when.astimezone(_VIETNAM).strftime("%Y-%m-%d %H:%M")


env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["json_script"] = _json_script
env.filters["num"] = _num
env.filters["vntime"] = _vntime
# The review states and their labels: one wording for the pages, the app and the exports.
env.globals["REVIEW_STATES"] = REVIEW_STATES
env.globals["review_label"] = review_state_label
# A unit's Front committee in the seeds' wording: "Ban Thường trực Ủy ban MTTQ tỉnh Lâm Đồng".
env.globals["front_body"] = front_body


def content_security_policy(map_tile_url: str) -> str:
    """The pages' policy: scripts and styles from this server's files only (no inline code, no
    ``on…=`` attribute), images also from the map's tile server when one is set."""
    tiles = ""
    if map_tile_url:
        parts = urlsplit(map_tile_url)
        if parts.scheme in ("http", "https") and parts.hostname:
            host = parts.hostname.replace("{s}", "*")
            tiles = f" {parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: blob:{tiles}; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


def page_headers(web: PageRequest) -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Content-Security-Policy": content_security_policy(web.settings.map_tile_url),
    }


def render_page(
    web: PageRequest, template: str, status: int, context: dict[str, Any]
) -> HTMLResponse:
    lang = web.lang

    def t(key: str) -> str:
        return tr(key, lang)

    html = env.get_template(template).render(web=web, t=t, lang=lang, **context)
    return HTMLResponse(html, status_code=status, headers=page_headers(web))
