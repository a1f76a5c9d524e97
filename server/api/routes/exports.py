"""``GET /exports/{name}``: a unit's whole dataset as CSV, xlsx, GeoJSON or a zip of evidence files.

What goes in each file, and why, is in :mod:`server.services.exports`. This handler checks the
request (scope, filters) before the first byte, so every error has its documented status, then
streams the file; building it (database reads included) runs in Starlette's threadpool.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from server.api.deps import CurrentPrincipal, EngineDep, SettingsDep
from server.config import Settings
from server.db.engine import read_tx
from server.errors import error_responses
from server.services import exports as svc
from server.services.auth import Principal
from server.storage import store_for
from shared_schema.errors import ErrorCode

router = APIRouter(tags=["exports"])

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_GEOJSON = {
    "schema": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"type": "object"}},
        },
    }
}
_DOC = svc.FILTER_DOC


def _q(key: str, **schema: object) -> object:
    return Query(description=_DOC[key], json_schema_extra=schema or None)


@router.get(
    "/exports/{name}",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The file, streamed, with `Content-Disposition: attachment; "
            'filename="dkst-<unit>-<name>"`: `records.csv.zip` and `media.zip` as '
            "`application/zip`, `records.xlsx` as the xlsx type, `models.geojson` as "
            "`application/geo+json`",
            "content": {
                "application/zip": _BINARY,
                svc.EXPORTS["records.xlsx"]: _BINARY,
                "application/geo+json": _GEOJSON,
            },
        },
        **error_responses(ErrorCode.INVALID_REQUEST, ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND),
    },
    summary="Download a unit's data: records.csv.zip, records.xlsx, models.geojson, media.zip",
    description="Every role may download within its subtree. An unknown `name` is 404 "
    "`not_found`; a bad filter value 400 `invalid_request`.",
)
async def get_export(
    name: str,
    who: CurrentPrincipal,
    engine: EngineDep,
    settings: SettingsDep,
    unit: Annotated[str | None, _q("unit", pattern="^[0-9]{1,10}$")] = None,
    content_area: Annotated[str | None, _q("content_area", examples=["1", "2,3"])] = None,
    status: Annotated[str | None, _q("status", examples=["operating"])] = None,
    review_state: Annotated[str | None, _q("review_state", examples=["approved"])] = None,
    date_from: Annotated[
        str | None,
        Query(alias="from", description=_DOC["from"], json_schema_extra={"format": "date"}),
    ] = None,
    date_to: Annotated[
        str | None, Query(alias="to", description=_DOC["to"], json_schema_extra={"format": "date"})
    ] = None,
    plan: Annotated[str | None, _q("plan")] = None,
    lang: Annotated[str | None, _q("lang", enum=["vi", "en"])] = None,
    include_deleted: Annotated[str | None, _q("include_deleted", enum=["true", "false"])] = None,
) -> StreamingResponse:
    params = svc.ExportParams(
        unit=unit,
        content_area=content_area,
        status=status,
        review_state=review_state,
        date_from=date_from,
        date_to=date_to,
        plan=plan,
        lang=lang,
        include_deleted=include_deleted,
    )

    return await export_response(engine, settings, who, name, params)


async def export_response(
    engine: Engine, settings: Settings, who: Principal, name: str, params: svc.ExportParams
) -> StreamingResponse:
    """Check the request (every error before the first byte), then stream the file. The staff
    pages' downloads answer through this too, after their session check."""

    def _prepare() -> svc.PreparedExport:
        with read_tx(engine) as conn:
            return svc.prepare(conn, who, name, params)

    prepared = await run_in_threadpool(_prepare)
    body = svc.stream(
        engine, store_for(settings.attachments_dir), prepared, settings.data_dir / "tmp"
    )
    return StreamingResponse(
        body,
        media_type=prepared.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{prepared.filename}"',
            "Cache-Control": "private, no-store",
        },
    )
