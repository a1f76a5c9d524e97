"""The FastAPI application: ``create_app()`` builds it from settings; uvicorn runs it.

Run: ``dkst serve`` or ``uvicorn --factory server.app:create_app``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from server.api.errors import error_response, install_error_handlers
from server.api.openapi import document_parameters
from server.api.options import OptionsAllow
from server.api.routes import (
    admin,
    attachments,
    auth,
    exports,
    forms,
    plans,
    reference,
    reports,
    sync,
)
from server.config import ServerSettings
from server.db.engine import make_engine, read_tx
from server.db.migrate import upgrade
from server.metrics import RequestMetrics, exposition, may_read
from server.services.pull import CursorCodec
from server.services.report_facts import AfterPushes
from server.web import error_page_for
from server.web import mount as mount_web
from shared_schema import __version__
from shared_schema.errors import ErrorCode
from shared_schema.wire import PushRequest

API = "/api/v1"
log = logging.getLogger("dkst.server")


class ContentLengthLimit:
    """Refuse a declared body over the limit before reading a byte of it (a 2 GB Content-Length)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers", []):
                if name == b"content-length":
                    try:
                        too_big = int(value) > self.limit
                    except ValueError:
                        too_big = False
                    if too_big:
                        resp = error_response(None, ErrorCode.BODY_TOO_LARGE, {"limit": self.limit})
                        await resp(scope, receive, send)
                        return
        await self.app(scope, receive, send)


def _document_hand_parsed_bodies(app: FastAPI) -> None:
    """Push bodies are parsed by hand (orjson, per-change checks); publish their model anyway."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = base()
        schema = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        components = spec.setdefault("components", {}).setdefault("schemas", {})
        components.update(schema.pop("$defs", {}))
        components["PushRequest"] = schema
        # Request validation errors answer 400 invalid_request (server/api/errors.py), never 422.
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                resp = op.get("responses", {}).get("422", {})
                ref = str(resp.get("content", {}).get("application/json", {}).get("schema", {}))
                if "HTTPValidationError" in ref:
                    del op["responses"]["422"]
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        document_parameters(spec)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    settings = settings or ServerSettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    with read_tx(engine) as conn:  # read once, not on every pull
        cursor_codec = CursorCodec.load(conn)

    after_pushes = AfterPushes(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        after_pushes.close()
        engine.dispose()

    # Swagger UI served from the package, not a CDN: a commune hub may have no internet.
    app = FastAPIOffline(
        lifespan=lifespan,
        title="DKST Field API",
        version=__version__,
        description=(
            "Đồng bộ dữ liệu khảo sát mô hình “Đoàn kết sáng tạo” — the sync contract of SYNC.md (v1)."
        ),
        openapi_url=f"{API}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        static_url="/docs-static",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.cursor_codec = cursor_codec
    app.state.after_pushes = after_pushes  # report facts, caught up once pushes pause
    install_error_handlers(app, retry_after=settings.retry_after_seconds, pages=error_page_for)
    for module in (reference, forms, auth, sync, admin, plans, reports, exports, attachments):
        app.include_router(module.router, prefix=API)

    _document_hand_parsed_bodies(app)

    mount_web(app, settings)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        # A browser lands on the staff pages; the API's documentation stays at /docs.
        return RedirectResponse("/web/")

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        # Prometheus only, with the token (server/metrics.py); to anyone else it does not exist.
        if not may_read(settings.metrics_token, request.headers.get("authorization")):
            return error_response(request, ErrorCode.NOT_FOUND)
        body, media_type = exposition()
        return Response(body, media_type=media_type, headers={"Cache-Control": "no-store"})

    # Attachments take up to a file's size in one chunk; JSON bodies the body limit.
    # Level 1, not Starlette's 9 nor zlib's default 6: on a pull page of 1,000 records of ~2 KB
    # (Vietnamese text), 9 took twice the CPU of 6 for 1.3 % fewer bytes, 6 1.6-2.4x the CPU of 5,
    # and 5 2.5x the CPU of 1 (52 against 21 ms with issue 22's realistic text) for 21 % fewer
    # bytes (27 % of the JSON against 35 %); gzip was 28 % of the server's pull CPU at level 5.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)
    app.add_middleware(OptionsAllow, spec=app.openapi)
    app.add_middleware(
        ContentLengthLimit, limit=max(settings.max_body_bytes, settings.max_file_bytes)
    )
    app.add_middleware(RequestMetrics)  # outermost: every answer is counted, a 413 too

    return app
