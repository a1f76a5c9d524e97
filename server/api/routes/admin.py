"""Revocation by administrators and district staff within their subtree."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from server.api.deps import ManagerPrincipal, WriteConn
from server.api.errors import error_responses
from server.errors import ServerError
from server.services import auth as auth_service
from shared_schema.errors import ErrorCode

router = APIRouter(tags=["admin"])
_ERRORS = error_responses(ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)


@router.post(
    "/admin/users/{username}/revoke", status_code=204, responses=_ERRORS, summary="Disable a user"
)
def revoke_user(username: str, who: ManagerPrincipal, conn: WriteConn) -> Response:
    if not auth_service.revoke_user(conn, username, within=who.scope):
        raise ServerError(ErrorCode.NOT_FOUND)
    return Response(status_code=204)


@router.post(
    "/admin/devices/{device_id}/revoke",
    status_code=204,
    responses=_ERRORS,
    summary="Revoke a device for the users of your subtree who used it",
)
def revoke_device(device_id: str, who: ManagerPrincipal, conn: WriteConn) -> Response:
    if not auth_service.revoke_device(conn, device_id, within=who.scope):
        raise ServerError(ErrorCode.NOT_FOUND)
    return Response(status_code=204)
