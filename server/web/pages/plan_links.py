"""Plans as the other pages use them (filters, dashboard): the list a caller sees, a period."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from server.errors import ApiError
from server.services.auth import Principal
from shared_schema.errors import ErrorCode


def visible_plans(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    return []


def plan_period(conn: Connection, who: Principal, plan_id: str) -> tuple[date, date]:
    raise ApiError(ErrorCode.NOT_FOUND)
