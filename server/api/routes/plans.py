"""Plans and commune reports (SYNC.md "Plans and commune reports"): HTTP only.

Bodies are read by hand so that every bad field gets ``invalid_request`` with the field named in
``details`` (server/services/plans.py), not FastAPI's generic validation error.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, Request

from server.api.deps import CurrentPrincipal, EngineDep, SettingsDep, parse_json, read_body
from server.api.errors import error_responses
from server.api.models import PLAN_BODY, REPORT_BODY, Plan, Report, ReportEntry, body_schema
from server.db.tx import in_read_tx, in_write_tx
from server.errors import ServerError
from server.services import plans as plans_service
from server.services import submissions
from shared_schema.errors import ErrorCode

router = APIRouter(tags=["plans"])
T = TypeVar("T")
_READ = error_responses(ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND)
_WRITE = error_responses(
    ErrorCode.INVALID_REQUEST,
    ErrorCode.UNAUTHORIZED,
    ErrorCode.FORBIDDEN,
    ErrorCode.NOT_FOUND,
    ErrorCode.BODY_TOO_LARGE,
)


async def _json_body(request: Request, settings: Any) -> Any:
    return parse_json(await read_body(request, settings.max_body_bytes))


@router.post(
    "/plans",
    status_code=201,
    response_model=Plan,
    responses={**_WRITE, **error_responses(ErrorCode.ALREADY_EXISTS)},
    openapi_extra=body_schema(PLAN_BODY),
    summary="Issue a plan (district staff, administrators)",
)
async def create_plan(
    request: Request, who: CurrentPrincipal, engine: EngineDep, settings: SettingsDep
) -> dict[str, Any]:
    if who.role not in plans_service.PLAN_ROLES:
        raise ServerError(ErrorCode.FORBIDDEN)
    data = await _json_body(request, settings)

    return await in_write_tx(engine, plans_service.create_plan, who, data)


@router.get(
    "/plans",
    response_model=list[Plan],
    responses=error_responses(ErrorCode.UNAUTHORIZED),
    summary="The plans the caller can see, newest first",
)
async def list_plans(who: CurrentPrincipal, engine: EngineDep) -> list[dict[str, Any]]:
    return await in_read_tx(engine, plans_service.list_plans, who)


@router.get("/plans/{plan_id}", response_model=Plan, responses=_READ, summary="One plan")
async def get_plan(plan_id: str, who: CurrentPrincipal, engine: EngineDep) -> dict[str, Any]:
    return await in_read_tx(engine, plans_service.get_plan, who, plan_id)


@router.post(
    "/plans/{plan_id}/reports",
    status_code=201,
    response_model=Report,
    responses=_WRITE,
    openapi_extra=body_schema(REPORT_BODY),
    summary="Submit a commune's or a member organization's report (a new version each time)",
)
async def submit_report(
    plan_id: str,
    request: Request,
    who: CurrentPrincipal,
    engine: EngineDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    if who.role not in plans_service.REPORT_ROLES:
        raise ServerError(ErrorCode.FORBIDDEN)
    data = await _json_body(request, settings)
    if not isinstance(data, dict):
        raise ServerError(ErrorCode.INVALID_REQUEST, {"reason": "the body must be a JSON object"})

    return await in_write_tx(engine, submissions.submit_report, who, plan_id, data)


@router.get(
    "/plans/{plan_id}/reports",
    response_model=list[ReportEntry],
    responses=_READ,
    summary="Each commune's report status for a plan",
)
async def report_statuses(
    plan_id: str, who: CurrentPrincipal, engine: EngineDep
) -> list[dict[str, Any]]:
    return await in_read_tx(engine, plans_service.report_statuses, who, plan_id)


@router.get(
    "/plans/{plan_id}/organizations",
    response_model=list[ReportEntry],
    responses=_READ,
    summary="Each member organization's report status for a plan (at the plan's own unit)",
)
async def organization_statuses(
    plan_id: str, who: CurrentPrincipal, engine: EngineDep
) -> list[dict[str, Any]]:
    return await in_read_tx(engine, plans_service.organization_statuses, who, plan_id)


@router.get(
    "/plans/{plan_id}/reports/{unit}",
    response_model=list[Report],
    responses=_READ,
    summary="Every version of a commune's (or a member organization's) report, newest first",
)
async def report_versions(
    plan_id: str,
    unit: str,
    who: CurrentPrincipal,
    engine: EngineDep,
    organization: str | None = None,
) -> list[dict[str, Any]]:
    return await in_read_tx(engine, plans_service.report_versions, who, plan_id, unit, organization)
