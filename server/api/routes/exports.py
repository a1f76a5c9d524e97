"""``GET /exports/{name}``: a unit's whole dataset as CSV, xlsx, GeoJSON or a zip of evidence files.

What goes in each file, and why, is in :mod:`server.exports`. This handler checks the query string
and the caller's scope before the first byte, so every error has its documented status, then
streams the file; building it (database reads included) runs in Starlette's threadpool.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Connection, Engine
from starlette.responses import StreamingResponse

from server import exports
from server.api.deps import CurrentPrincipal, EngineDep, ReadConn, SettingsDep
from server.api.errors import error_responses
from server.config import ServerSettings
from server.errors import ServerError
from server.exports.query import (
    CONTENT_AREAS,
    EXPORTS,
    HEADERS,
    LANGS,
    ExportQuery,
    model_statuses,
)
from server.services.auth import Principal
from server.storage import store_for
from shared_schema.entities import REVIEW_STATES
from shared_schema.errors import ErrorCode
from shared_schema.forms import load_default_forms

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


# ---------------------------------------------------------------------------- the query string
def _bad(parameter: str, **details: Any) -> ServerError:
    return ServerError(ErrorCode.INVALID_REQUEST, {"parameter": parameter, **details})


def _choice_set(parameter: str, raw: str | None, allowed: Iterable[str]) -> frozenset[str] | None:
    if raw is None or raw == "":
        return None
    allowed = tuple(allowed)
    values = frozenset(v.strip() for v in raw.split(","))
    if not values <= set(allowed):
        raise _bad(parameter, allowed=list(allowed))
    return values


def _date(parameter: str, raw: str | None) -> date | None:
    if raw is None or raw == "":
        return None
    if not _DATE_RE.fullmatch(raw):
        raise _bad(parameter, expected="YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(parameter, expected="YYYY-MM-DD") from None


def parse_query(
    name: str,
    *,
    unit: str | None,
    content_area: str | None = None,
    status: str | None = None,
    review_state: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    lang: str | None = None,
    include_deleted: str | None = None,
    headers: str | None = None,
) -> ExportQuery:
    """Check the export name (``not_found``) and every filter (``invalid_request``).

    ``unit`` is only checked for presence here; scope needs the database (``exports.prepare``).
    """
    if name not in EXPORTS:
        raise ServerError(ErrorCode.NOT_FOUND)
    forms = load_default_forms()
    lang = lang or "vi"
    if lang not in LANGS:
        raise _bad("lang", allowed=list(LANGS))
    raw_deleted = (include_deleted or "false").strip().lower()
    if raw_deleted not in ("true", "false", "1", "0"):
        raise _bad("include_deleted", allowed=["true", "false"])
    if headers not in (None, "", *HEADERS):
        raise _bad("headers", allowed=list(HEADERS))
    day_from = _date("from", date_from)
    day_to = _date("to", date_to)
    if day_from and day_to and day_from > day_to:
        raise _bad("from", reason="from is after to")
    if not unit:
        raise _bad("unit")
    return ExportQuery(
        name=name,
        unit=unit,
        content_areas=_choice_set("content_area", content_area, CONTENT_AREAS),
        statuses=_choice_set("status", status, model_statuses(forms)),
        review_states=_choice_set("review_state", review_state, REVIEW_STATES),
        date_from=day_from,
        date_to=day_to,
        lang=lang,
        include_deleted=raw_deleted in ("true", "1"),
        headers=headers or "",
    )


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
    conn: ReadConn,
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
    query = parse_query(
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
    return export_response(conn, engine, settings, who, query, plan)


def export_response(
    conn: Connection,
    engine: Engine,
    settings: ServerSettings,
    who: Principal,
    query: ExportQuery,
    plan: str | None,
) -> StreamingResponse:
    """Check the request against the caller's scope (every error before the first byte), then
    stream the file. The staff pages' downloads answer through this too, after their session
    check."""
    prepared = exports.prepare(conn, who, query, plan=plan)
    # The file is read in its own snapshot (server.exports.rows), not in this request's conn.
    body = exports.stream(engine, store_for(settings.attachments_dir), prepared)
    return StreamingResponse(
        body,
        media_type=prepared.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{prepared.filename}"',
            "Cache-Control": "private, no-store",
        },
    )
