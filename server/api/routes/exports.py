"""``GET /exports/{name}``: a unit's whole dataset as CSV, xlsx, GeoJSON or a zip of evidence files.

What goes in each file, and why, is in :mod:`server.exports`. This handler checks the query string
and the caller's scope before the first byte, so every error has its documented status, then
streams the file; building it (database reads included) runs in Starlette's threadpool.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import StreamingResponse

from server import exports
from server.api.deps import CurrentPrincipal, EngineDep, ReportConn, SettingsDep
from server.api.errors import error_responses
from server.exports.query import (
    EXPORTS,
    HEADERS,
)
from server.services import downloads
from shared_schema.errors import ErrorCode

router = APIRouter(tags=["exports"])

_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
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
# The query parameters, as OpenAPI documents them.
_DOC: dict[str, str] = {
    "unit": "The unit whose subtree is exported (required; outside your subtree → 404)",
    "content_area": "Models of these content areas (1..5, comma-separated); their visits and "
    "evidence follow them",
    "status": "Models of these statuses (comma-separated); their visits and evidence follow them",
    "review_state": "Records in these review states (pending, approved, returned; comma-separated);"
    " a record without one is pending",
    "from": "Records updated on or after this UTC date (YYYY-MM-DD)",
    "to": "Records updated on or before this UTC date (YYYY-MM-DD)",
    "plan": "A plan's id: only the records that count for the plan's period (a plan you cannot "
    "see → 404)",
    "lang": "Language of labels and choice values: vi (default) or en",
    "include_deleted": "true: deleted records too, with a trailing `deleted` column",
    "headers": "keys: field names as headers (records.csv.zip's default); labels: the fields' "
    "labels in `lang`, sheets named in `lang`, a referenced residential area or model named "
    "beside its id (records.xlsx's default)",
}


def _q(key: str, **schema: object) -> Any:
    return Query(description=_DOC[key], json_schema_extra=schema or None)


# ---------------------------------------------------------------------------- the route
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
                EXPORTS["records.xlsx"]: _BINARY,
                "application/geo+json": _GEOJSON,
            },
        },
        **error_responses(ErrorCode.INVALID_REQUEST, ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND),
    },
    summary="Download a unit's data: records.csv.zip, records.xlsx, models.geojson, media.zip",
    description="Every role may download within its subtree. An unknown `name` is 404 "
    "`not_found`; a bad filter value 400 `invalid_request`.",
)
def get_export(
    name: str,
    who: CurrentPrincipal,
    conn: ReportConn,
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
    headers: Annotated[str | None, _q("headers", enum=list(HEADERS))] = None,
) -> StreamingResponse:
    query = exports.parse_query(
        name,
        unit=unit,
        content_area=content_area,
        status=status,
        review_state=review_state,
        date_from=date_from,
        date_to=date_to,
        lang=lang,
        include_deleted=include_deleted,
        headers=headers,
    )
    download = downloads.open_download(conn, engine, settings, who, query, plan)
    return StreamingResponse(
        download.body, media_type=download.media_type, headers=download.headers
    )
