"""Revocation by administrators and district staff within their subtree, of the users whose role
they could grant (``services.accounts``)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from server.api.deps import EngineDep, ManagerPrincipal
from server.api.errors import error_responses
from server.db.tx import in_write_tx
from server.services import accounts
from shared_schema.errors import ErrorCode

router = APIRouter(tags=["admin"])
_ERRORS = error_responses(ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)


@router.post(
    "/admin/users/{username}/revoke", status_code=204, responses=_ERRORS, summary="Disable a user"
)
async def revoke_user(username: str, who: ManagerPrincipal, engine: EngineDep) -> Response:
    await in_write_tx(engine, accounts.revoke_user, who, username)
    return Response(status_code=204)


@router.post(
    "/admin/devices/{device_id}/revoke",
    status_code=204,
    responses=_ERRORS,
    summary="Revoke a device for the users of your subtree who used it",
)
async def revoke_device(device_id: str, who: ManagerPrincipal, engine: EngineDep) -> Response:
    await in_write_tx(engine, accounts.revoke_device, who, device_id)
    return Response(status_code=204)
