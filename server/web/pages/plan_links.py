"""Plans as the other pages use them (filters, dashboard): the list a caller sees, a period."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from server.services import plans as plans_service
from server.services.auth import Principal


def visible_plans(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    return plans_service.list_plans(conn, who)


def plan_period(conn: Connection, who: Principal, plan_id: str) -> tuple[date, date]:
    """The period of a plan the caller can see (else ``not_found``)."""
    period = plans_service.get_plan(conn, who, plan_id)["period"]
    return date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
