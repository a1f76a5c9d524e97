"""Shared dependencies: the app's settings and engine, the authenticated caller."""

from __future__ import annotations

import gzip
import re
import zlib
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from server.config import Settings
from server.db.engine import read_tx
from server.errors import ApiError
from server.services.auth import Principal, authenticate
from shared_schema.errors import ErrorCode


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


# ASCII digits only (path and query numbers): str.isdigit() also takes "³", which int() refuses.
DIGITS = re.compile(r"[0-9]{1,9}")

SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def _auth_sync(engine: Engine, token: str) -> Principal:
    with read_tx(engine) as conn:
        return authenticate(conn, token)


# Declares the bearer scheme in OpenAPI (the "Authorize" button of /docs); errors stay ours.
_bearer = HTTPBearer(auto_error=False, description="The access_token from POST /auth/token")


async def current_principal(
    engine: EngineDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials.strip():
        raise ApiError(ErrorCode.UNAUTHORIZED, headers={"WWW-Authenticate": "Bearer"})
    return await run_in_threadpool(_auth_sync, engine, creds.credentials.strip())


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, gunzipped if sent with ``Content-Encoding: gzip``; over ``limit`` → 413."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise ApiError(ErrorCode.BODY_TOO_LARGE, {"limit": limit})
        except ValueError:
            raise ApiError(ErrorCode.INVALID_REQUEST, {"header": "Content-Length"}) from None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(ErrorCode.BODY_TOO_LARGE, {"limit": limit})
            chunks.append(chunk)
    except ClientDisconnect:
        # A weak link dropped mid-body: nothing was applied; the device will send again.
        raise ApiError(ErrorCode.INVALID_REQUEST, {"reason": "client disconnected"}) from None
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise ApiError(ErrorCode.INVALID_REQUEST, {"header": "Content-Encoding"})
    return _gunzip(body, limit)


def _gunzip(data: bytes, limit: int) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, limit + 1)
        if len(out) > limit or d.unconsumed_tail:
            raise ApiError(ErrorCode.BODY_TOO_LARGE, {"limit": limit})
        if not d.eof:
            raise ApiError(ErrorCode.INVALID_REQUEST, {"reason": "truncated gzip body"})
    except (zlib.error, gzip.BadGzipFile):
        raise ApiError(ErrorCode.INVALID_REQUEST, {"reason": "not a gzip body"}) from None
    return out


def parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiError(ErrorCode.INVALID_REQUEST, {"reason": "body is not JSON in UTF-8"}) from None
