"""Revocation by administrators and district staff within their subtree."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from server.api.deps import CurrentPrincipal, EngineDep
from server.db.engine import write_tx
from server.errors import ApiError, error_responses
from server.services import auth as auth_service
from shared_schema.errors import ErrorCode

router = APIRouter(tags=["admin"])
_ERRORS = error_responses(ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)


@router.post(
    "/admin/users/{username}/revoke", status_code=204, responses=_ERRORS, summary="Disable a user"
)
async def revoke_user(username: str, who: CurrentPrincipal, engine: EngineDep) -> Response:
    if who.role not in auth_service.MANAGER_ROLES:
        raise ApiError(ErrorCode.FORBIDDEN)

    def _do() -> bool:
        with write_tx(engine) as conn:
            return auth_service.revoke_user(conn, username, within=who.scope)

    if not await run_in_threadpool(_do):
        raise ApiError(ErrorCode.NOT_FOUND)
    return Response(status_code=204)


@router.post(
    "/admin/devices/{device_id}/revoke",
    status_code=204,
    responses=_ERRORS,
    summary="Revoke a device",
)
async def revoke_device(device_id: str, who: CurrentPrincipal, engine: EngineDep) -> Response:
    if who.role not in auth_service.MANAGER_ROLES:
        raise ApiError(ErrorCode.FORBIDDEN)

    def _do() -> bool:
        with write_tx(engine) as conn:
            return auth_service.revoke_device(conn, device_id, within=who.scope)

    if not await run_in_threadpool(_do):
        raise ApiError(ErrorCode.NOT_FOUND)
    return Response(status_code=204)
