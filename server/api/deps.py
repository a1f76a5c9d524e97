"""Shared dependencies: settings, engine, a transaction per request, the caller and their role.

A route that reads the database may take ``conn: ReadConn`` and be a plain ``def``: FastAPI runs
it, and the dependency's transaction, in its threadpool, off the event loop; the transaction ends
when the route returns, before the response is sent. A route that writes is ``async`` and runs its
transaction with ``in_write_tx`` (``server.db.tx``), in one threadpool call, committed before the
answer leaves.
There is no ``WriteConn``: a dependency with ``yield`` enters and leaves in two threadpool calls,
often on two threads, and the writers' gate is owned by a thread (issue 16, TRAPS.md).
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine
from starlette.requests import ClientDisconnect

from server.config import ServerSettings
from server.db.engine import read_tx
from server.db.tx import in_read_tx
from server.errors import ServerError
from server.services import report_facts
from server.services.auth import MANAGER_ROLES, Principal, authenticate
from shared_schema.errors import ErrorCode


def get_settings(request: Request) -> ServerSettings:
    settings: ServerSettings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


# ASCII digits only (path and query numbers): str.isdigit() also takes "³", which int() refuses.
DIGITS = re.compile(r"[0-9]{1,9}")

SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def _read_conn(engine: EngineDep) -> Iterator[Connection]:
    with read_tx(engine) as conn:
        yield conn


# scope="function": the transaction ends when the route returns, before the first byte is sent.
ReadConn = Annotated[Connection, Depends(_read_conn, scope="function")]


def _report_figures_current(engine: EngineDep) -> None:
    """The report facts caught up to the newest push (a plain ``def``: in one threadpool call)."""
    report_facts.current(engine)


def _report_conn(
    engine: EngineDep, _current: Annotated[None, Depends(_report_figures_current)]
) -> Iterator[Connection]:
    with read_tx(engine) as conn:
        yield conn


# A read of report figures (summaries, exports, plans): it includes every push answered before.
ReportConn = Annotated[Connection, Depends(_report_conn, scope="function")]


# Declares the bearer scheme in OpenAPI (the "Authorize" button of /docs); errors stay ours.
_bearer = HTTPBearer(auto_error=False, description="The access_token from POST /auth/token")


async def current_principal(
    engine: EngineDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials.strip():
        raise ServerError(ErrorCode.UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    return await in_read_tx(engine, authenticate, creds.credentials.strip())


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the caller, when their role is one of ``roles``; else ``forbidden``.

    Use as ``who: Annotated[Principal, Depends(require_role(*MANAGER_ROLES))]``.
    """
    allowed = frozenset(roles)

    async def check(who: CurrentPrincipal) -> Principal:
        if who.role not in allowed:
            raise ServerError(ErrorCode.FORBIDDEN)
        return who

    return check


# District staff and administrators: who may revoke users and devices within their subtree.
ManagerPrincipal = Annotated[Principal, Depends(require_role(*MANAGER_ROLES))]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, gunzipped if sent with ``Content-Encoding: gzip``; over ``limit`` → 413."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise ServerError(ErrorCode.BODY_TOO_LARGE, {"limit": limit})
        except ValueError:
            raise ServerError(ErrorCode.INVALID_REQUEST, {"header": "Content-Length"}) from None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ServerError(ErrorCode.BODY_TOO_LARGE, {"limit": limit})
            chunks.append(chunk)
    except ClientDisconnect:
        # A weak link dropped mid-body: nothing was applied; the device will send again.
        raise ServerError(ErrorCode.INVALID_REQUEST, {"reason": "client disconnected"}) from None
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise ServerError(ErrorCode.INVALID_REQUEST, {"header": "Content-Encoding"})
    return _gunzip(body, limit)


def _gunzip(data: bytes, limit: int) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, limit + 1)
        if len(out) > limit or d.unconsumed_tail:
            raise ServerError(ErrorCode.BODY_TOO_LARGE, {"limit": limit})
        if not d.eof:
            raise ServerError(ErrorCode.INVALID_REQUEST, {"reason": "truncated gzip body"})
    except (zlib.error, gzip.BadGzipFile):
        raise ServerError(ErrorCode.INVALID_REQUEST, {"reason": "not a gzip body"}) from None
    return out


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ServerError(
            ErrorCode.INVALID_REQUEST, {"reason": "body is not JSON in UTF-8"}
        ) from None
