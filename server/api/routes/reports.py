"""GET /reports/summary — consolidated figures for a unit in the caller's scope."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from server.api.deps import CurrentPrincipal, EngineDep
from server.api.models import Summary
from server.db.engine import read_tx
from server.errors import error_responses
from server.services import reports as reports_service
from shared_schema.errors import ErrorCode

router = APIRouter(tags=["reports"])


@router.get(
    "/reports/summary",
    response_model=Summary,
    responses=error_responses(
        ErrorCode.INVALID_REQUEST, ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND
    ),
    summary="A unit's figures (models, contributions, results, activities…), per child unit",
)
async def summary(
    who: CurrentPrincipal, engine: EngineDep, unit: str | None = None, plan: str | None = None
) -> dict[str, Any]:
    def _q() -> dict[str, Any]:
        with read_tx(engine) as conn:
            return reports_service.summary(conn, who, unit, plan)

    return await run_in_threadpool(_q)
