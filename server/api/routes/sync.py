"""POST /sync/push and GET /sync/pull."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from sqlalchemy import Connection
from starlette.responses import Response

from server.api.deps import (
    DIGITS,
    CurrentPrincipal,
    EngineDep,
    SettingsDep,
    parse_json,
    read_body,
)
from server.api.errors import error_responses, lang_of
from server.db.tx import in_read_tx, in_write_tx
from server.errors import ServerError
from server.metrics import PULL_PAGES, PULL_RECORDS, PUSH_BATCHES, PUSH_CHANGES
from server.services import pull as pull_service
from server.services import push as push_service
from shared_schema.errors import ErrorCode
from shared_schema.wire import PullResponse, PushResponse

router = APIRouter(tags=["sync"])

_PUSH_KEYS = {"device_id", "changes"}


@router.post(
    "/sync/push",
    response_model=PushResponse,
    responses=error_responses(
        ErrorCode.INVALID_REQUEST,
        ErrorCode.UNAUTHORIZED,
        ErrorCode.BATCH_TOO_LARGE,
        ErrorCode.BODY_TOO_LARGE,
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}
            },
        }
    },
    summary="Send a batch of changes; one result per change, in order",
)
async def push(
    request: Request, who: CurrentPrincipal, engine: EngineDep, settings: SettingsDep
) -> Response:
    # Parsed by hand with orjson and checked per change: one bad change is a result, not a 422.
    body = parse_json(await read_body(request, settings.max_body_bytes))
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("device_id"), str)
        or not isinstance(body.get("changes"), list)
        or set(body) - _PUSH_KEYS
    ):
        raise ServerError(
            ErrorCode.INVALID_REQUEST, {"reason": "expected {device_id: str, changes: [...]}"}
        )
    if body["device_id"] != who.device_id:
        raise ServerError(
            ErrorCode.INVALID_REQUEST, {"reason": "device_id is not the token's device"}
        )
    raw_changes: list[Any] = body["changes"]
    if len(raw_changes) > settings.max_batch:
        raise ServerError(ErrorCode.BATCH_TOO_LARGE, {"limit": settings.max_batch})
    lang = lang_of(request)
    with request.app.state.after_pushes.pushing():  # its report facts: once pushes pause
        results = await in_write_tx(
            engine,
            lambda conn: push_service.push(conn, settings, who, raw_changes, lang=lang),
            serial=True,
        )
    PUSH_BATCHES.inc()
    for result in results:
        PUSH_CHANGES.labels(str(result.get("status"))).inc()
    return Response(orjson.dumps({"results": results}), media_type="application/json")


@router.get(
    "/sync/pull",
    response_model=PullResponse,
    responses=error_responses(
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_CURSOR,
        ErrorCode.UNAUTHORIZED,
        ErrorCode.INVALID_LIMIT,
    ),
    summary="Records in scope changed after the cursor, in commit order",
)
async def pull(
    request: Request,
    who: CurrentPrincipal,
    engine: EngineDep,
    cursor: str | None = None,
    limit: str | None = None,
) -> Response:
    n = 1000
    if limit is not None:
        if not DIGITS.fullmatch(limit):
            raise ServerError(ErrorCode.INVALID_LIMIT)
        n = int(limit)
        if not 1 <= n <= 1000:
            raise ServerError(ErrorCode.INVALID_LIMIT)

    codec = request.app.state.cursor_codec

    def page(conn: Connection) -> bytes:
        recs, next_cursor, has_more = pull_service.pull(conn, who, codec, cursor=cursor, limit=n)
        PULL_PAGES.inc()
        PULL_RECORDS.inc(len(recs))
        return orjson.dumps({"records": recs, "next_cursor": next_cursor, "has_more": has_more})

    return Response(await in_read_tx(engine, page), media_type="application/json")
