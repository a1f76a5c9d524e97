"""The one place where the error catalogue becomes HTTP (SYNC.md "Errors").

Services raise :class:`~server.errors.ServerError` with a catalogue code and plain details; the
handlers here turn it, and every framework error (unknown path, wrong method, bad parameters,
database down), into the documented ``{"error": {"code", "message", "details"}}`` body with the
code's status (``shared_schema.errors.http_status``) and the headers its details imply. No input
gets a 500.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from server.errors import ServerError
from server.metrics import BLOB_ERRORS
from server.storage import BlobStoreUnavailable
from shared_schema.errors import ErrorCode, code_for_status, error_message, http_status
from shared_schema.wire import ErrorBody

log = logging.getLogger("dkst.server")

__all__ = ["error_response", "error_responses", "headers_of", "install_error_handlers", "lang_of"]


def lang_of(request: Request) -> str:
    """``en`` when Accept-Language prefers English over Vietnamese; Vietnamese otherwise."""
    header = request.headers.get("accept-language", "")
    best, best_q = "vi", -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()[:2]
        if tag not in ("vi", "en"):
            continue
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = tag, q
    return best


def error_response(
    request: Request | None,
    code: ErrorCode,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    message: str | None = None,
) -> Response:
    lang = lang_of(request) if request is not None else "vi"
    body = {
        "error": {
            "code": code.value,
            "message": message or error_message(code, lang),
            "details": details,
        }
    }
    hdrs = dict(headers or {})
    return Response(
        orjson.dumps(body),
        status_code=http_status(code),
        media_type="application/json",
        headers=hdrs,
    )


def headers_of(exc: ServerError) -> dict[str, str]:
    """The HTTP headers an error's code and details call for (SYNC.md "Attachments", "Errors")."""
    headers = dict(exc.headers)
    details = exc.details or {}
    if exc.code is ErrorCode.OFFSET_MISMATCH and "offset" in details:
        headers["Upload-Offset"] = str(details["offset"])
    elif exc.code is ErrorCode.HASH_MISMATCH:
        headers["Upload-Offset"] = "0"  # the partial upload was discarded: start again
    elif exc.code is ErrorCode.RATE_LIMITED and "retry_after" in details:
        headers["Retry-After"] = str(details["retry_after"])
    elif exc.code is ErrorCode.UNAUTHORIZED:
        headers["WWW-Authenticate"] = "Bearer"
    return headers


def install_error_handlers(
    app: FastAPI,
    *,
    retry_after: int,
    pages: Callable[[Request, int], Response | None] | None = None,
) -> None:
    """``pages``: answers an unknown path or method of the staff pages with a page of theirs
    (``server.web.error_page_for``) rather than the API's JSON; None elsewhere."""

    @app.exception_handler(ServerError)
    async def _server_error(request: Request, exc: ServerError) -> Response:
        return error_response(request, exc.code, exc.details, headers_of(exc), exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()[:20]
        ]
        return error_response(request, ErrorCode.INVALID_REQUEST, {"problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        page = pages(request, exc.status_code) if pages is not None else None
        if page is not None:
            return page
        code = code_for_status(exc.status_code) or ErrorCode.INVALID_REQUEST
        return error_response(request, code, None, dict(exc.headers or {}))

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: OperationalError) -> Response:
        log.warning("database unavailable: %s", exc.orig)
        return error_response(
            request, ErrorCode.UNAVAILABLE, None, {"Retry-After": str(retry_after)}
        )

    @app.exception_handler(PoolTimeout)
    async def _pool_dry(request: Request, exc: PoolTimeout) -> Response:
        # Every pooled connection stayed busy for the pool's timeout: overload, not a fault of
        # the request; the client comes back later (never a 500).
        log.warning("no database connection free: %s", exc)
        return error_response(
            request, ErrorCode.UNAVAILABLE, None, {"Retry-After": str(retry_after)}
        )

    @app.exception_handler(OSError)
    async def _storage(request: Request, exc: OSError) -> Response:
        # A full disk under the attachments (ENOSPC, EDQUOT) is a pause, not a failure: the client
        # keeps its upload and resumes from HEAD's offset later. SQLite's own "disk is full" is an
        # OperationalError and answers the same way above.
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise exc
        log.warning("storage full: %s", exc)
        return error_response(
            request,
            ErrorCode.UNAVAILABLE,
            {"reason": "storage full"},
            {"Retry-After": str(retry_after)},
        )

    @app.exception_handler(BlobStoreUnavailable)
    async def _blobs_down(request: Request, exc: BlobStoreUnavailable) -> Response:
        # Only the file routes reach the store: records keep syncing while it is away, and a
        # chunk that did not reach it was not recorded (its transaction rolled back).
        log.warning("blob store unavailable: %s", exc)
        BLOB_ERRORS.inc()
        return error_response(
            request,
            ErrorCode.UNAVAILABLE,
            {"reason": "file store unavailable"},
            {"Retry-After": str(retry_after)},
        )

    @app.exception_handler(DataError)
    async def _bad_data(request: Request, exc: DataError) -> Response:
        # The last line of defence: a value the database cannot hold (a NUL in text on
        # PostgreSQL, a number out of range) is the client's error, never a 500.
        log.warning("value refused by the database: %s", exc.orig)
        return error_response(request, ErrorCode.INVALID_REQUEST, {"reason": "unstorable value"})

    @app.exception_handler(DBAPIError)
    async def _db_error(request: Request, exc: DBAPIError) -> Response:
        if exc.connection_invalidated:
            return error_response(
                request, ErrorCode.UNAVAILABLE, None, {"Retry-After": str(retry_after)}
            )
        raise exc


def error_responses(*codes: ErrorCode) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` for a route: every error it can answer, with the error body schema."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in (*codes, ErrorCode.UNAVAILABLE):
        status = http_status(code)
        entry = out.setdefault(status, {"model": ErrorBody, "description": ""})
        entry["description"] = ", ".join(filter(None, [entry["description"], f"`{code.value}`"]))
    return out
