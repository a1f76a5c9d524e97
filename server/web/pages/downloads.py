"""Downloads for a browser session: the same export code as ``GET /api/v1/exports/{name}``,
after the session check, with the list's filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import StreamingResponse

from server import exports
from server.db.engine import read_tx
from server.services import downloads
from server.web.routing import WebRoute
from server.web.session import Web, staff

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/download/{name}")
def download(name: str, web: Annotated[Web, Depends(staff)]) -> StreamingResponse:
    q = web.request.query_params
    query = exports.parse_query(
        name,
        unit=q.get("unit") or web.principal.units[0],
        content_area=q.get("content_area") or None,
        status=q.get("status") or None,
        review_state=q.get("review_state") or None,
        date_from=q.get("from") or None,
        date_to=q.get("to") or None,
        lang=q.get("lang") or web.lang,
        headers=q.get("headers") or None,
    )
    plan = q.get("plan") or None
    with read_tx(web.engine) as conn:
        found = downloads.open_download(conn, web.engine, web.settings, web.principal, query, plan)
    return StreamingResponse(found.body, media_type=found.media_type, headers=found.headers)
