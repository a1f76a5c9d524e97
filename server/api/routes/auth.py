"""POST /auth/token — OAuth2 password login bound to a device."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from server.api.deps import EngineDep, SettingsDep
from server.api.errors import error_responses
from server.services import auth as auth_service
from shared_schema.errors import ErrorCode
from shared_schema.wire import TokenResponse, UserInfo

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses=error_responses(
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_CREDENTIALS,
        ErrorCode.ACCOUNT_DISABLED,
        ErrorCode.DEVICE_REVOKED,
        ErrorCode.RATE_LIMITED,
        ErrorCode.BODY_TOO_LARGE,
    ),
    summary="Log in (OAuth2 password form) and get a token bound to the device",
)
async def token(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    device_id: Annotated[str, Form(max_length=64)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> TokenResponse:
    address = request.client.host if request.client else "unknown"
    tok, who = await auth_service.log_in(
        engine,
        settings,
        username=username,
        password=password,
        device_id=device_id,
        address=address,
    )
    return TokenResponse(
        access_token=tok,
        expires_in=settings.token_ttl_seconds,
        user=UserInfo(username=who.username, role=who.role, units=list(who.units)),  # type: ignore[arg-type]
    )
