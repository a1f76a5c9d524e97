"""GET /reports/summary — consolidated figures for a unit in the caller's scope."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from server.api.deps import CurrentPrincipal, ReportConn
from server.api.errors import error_responses
from server.api.models import Summary
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
    # ``grouping`` and ``districts`` appear with grouping=before_2025 only.
    response_model_exclude_unset=True,
)
def summary(
    who: CurrentPrincipal,
    conn: ReportConn,
    unit: str | None = None,
    plan: str | None = None,
    grouping: Literal["units", "before_2025"] | None = None,
) -> dict[str, Any]:
    return reports_service.summary(conn, who, unit, plan, grouping)
