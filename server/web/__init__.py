"""The staff web pages (issue 10), served by the API's own app under ``/web``.

Server-rendered Jinja2 pages that call the same services as the JSON API: a page is another edge,
not another logic. Front-end libraries (Pico CSS, Chart.js, Leaflet) are npm packages locked in
``server/web/package-lock.json``, installed by ``./dev`` into ``server/web/node_modules`` and served
from ``/web/vendor``, never from a CDN: a commune office may have no internet.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from server.config import ServerSettings
from server.web.render import HERE, STATIC
from server.web.routing import error_page

log = logging.getLogger("dkst.server")
VENDOR = HERE / "node_modules"
# The files of the packages the pages load; a missing one is logged at start.
VENDOR_FILES = (
    "@picocss/pico/css/pico.min.css",
    "chart.js/dist/chart.umd.min.js",
    "leaflet/dist/leaflet.js",
    "leaflet/dist/leaflet.css",
)


# The folders of those packages that the pages may load (Leaflet's CSS names its images): nothing
# else under node_modules is served, no lock file, no dot file (issue 16).
VENDOR_SERVED = ("@picocss/pico/css/", "chart.js/dist/", "leaflet/dist/")


_PAGE_ERRORS = {404: "not_found", 405: "not_found", 403: "forbidden"}


def error_page_for(request: Request, status: int) -> Response | None:
    """A styled page for a path under /web that no page answers (issue 18: a typo got the
    API's JSON); None for the API's paths and the pages' files."""
    path = request.url.path
    if not path.startswith("/web") or path.startswith(("/web/static/", "/web/vendor/")):
        return None
    return error_page(request, status, _PAGE_ERRORS.get(status, "bad_request"))


def vendor_dir(settings: ServerSettings) -> Path:
    return settings.web_assets_dir or VENDOR


class VendorFiles(StaticFiles):
    """The front-end packages' built files, and only those."""

    def get_path(self, scope: Scope) -> str:
        path = super().get_path(scope)
        parts = path.replace("\\", "/").split("/")
        if not path.startswith(VENDOR_SERVED) or any(p.startswith(".") for p in parts):
            raise HTTPException(status_code=404)
        return path


def mount(app: FastAPI, settings: ServerSettings) -> None:
    """Add the pages, their static files and the front-end packages to ``app``."""
    from server.web.pages import admin, dashboard, downloads, forms, login, plans, records, reform

    for module in (login, dashboard, records, downloads, plans, forms, reform, admin):
        app.include_router(module.router, prefix="/web")
    vendor = vendor_dir(settings)
    missing = [f for f in VENDOR_FILES if not (vendor / f).is_file()]
    if missing:
        log.warning("web pages: front-end packages missing (run ./dev or npm ci): %s", missing)
    app.mount("/web/static", StaticFiles(directory=STATIC), name="web-static")
    app.mount("/web/vendor", VendorFiles(directory=vendor, check_dir=False), name="web-vendor")

    @app.api_route("/favicon.ico", methods=["GET", "HEAD"], include_in_schema=False)
    def _favicon() -> Response:
        # Browsers ask for it at the root whatever the page says: the pages' own icon.
        return RedirectResponse("/web/static/favicon.svg", status_code=308)

    @app.api_route("/web", methods=["GET", "HEAD"], include_in_schema=False)
    def _web_root() -> Response:
        return RedirectResponse("/web/", status_code=307)
