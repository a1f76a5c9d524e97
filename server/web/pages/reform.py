"""The 2025 reform as staff check it: "Sắp xếp đơn vị 2025 — cần kiểm tra", the records whose new
unit needed a choice, each confirmed or moved to another of its parts by a CSRF-protected form
(``server/services/reform_checks.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import RedirectResponse, Response

from server.db.engine import read_tx, write_tx
from server.errors import ServerError
from server.services import reform_checks
from server.web.pages.common import entity_names
from server.web.routing import WebRoute
from server.web.session import Web, staff
from shared_schema.errors import ErrorCode

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _page(web: Web, status: int = 200, error: str | None = None) -> Response:
    with read_tx(web.engine) as conn:
        rows = reform_checks.choices_for(conn, web.principal, web.lang)
    done = web.request.query_params.get("done")
    return web.render(
        "reform.html",
        status=status,
        active="reform",
        rows=rows,
        open=sum(1 for r in rows if not r["checked_at"]),
        entity_label=dict(entity_names(web.lang)),
        error=error,
        notice=done if done in ("reform_confirmed", "reform_moved") else None,
    )


@router.get("/reform")
def reform_page(web: Annotated[Web, Depends(staff)]) -> Response:
    return _page(web)


@router.post("/reform/{record_id}")
def reform_check(record_id: str, web: Annotated[Web, Depends(staff)]) -> Response:
    target = web.form.get("unit", "")
    try:
        with write_tx(web.engine) as conn:
            before = reform_checks.check(conn, web.principal, record_id, target)
    except ServerError as exc:
        if exc.code is not ErrorCode.INVALID_REQUEST:
            raise
        return _page(web, status=400, error="reform_bad_part")
    done = "reform_moved" if before.get("moved") else "reform_confirmed"
    return RedirectResponse(f"/web/reform?done={done}", status_code=303)
