"""POST /auth/token — OAuth2 password login bound to a device."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlalchemy import Connection

from server.api.deps import EngineDep, SettingsDep, in_write_tx
from server.api.errors import error_responses
from server.errors import ServerError
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

    def _login(conn: Connection) -> tuple[str, auth_service.Principal]:
        return auth_service.login(
            conn,
            settings,
            username=username,
            password=password,
            device_id=device_id,
            address=address,
        )

    def _failed(conn: Connection) -> None:
        auth_service.record_login_failure(conn, username=username, address=address)

    try:
        tok, who = await in_write_tx(engine, _login)
    except ServerError as exc:
        if exc.code is ErrorCode.INVALID_CREDENTIALS:  # counted in its own transaction
            await in_write_tx(engine, _failed)
        raise
    return TokenResponse(
        access_token=tok,
        expires_in=settings.token_ttl_seconds,
        user=UserInfo(username=who.username, role=who.role, units=list(who.units)),  # type: ignore[arg-type]
    )
