"""Forms: the versions a caller's devices receive, one version as JSON or as an XLSForm, and
publishing an XLSForm (administrators). HTTP only: server/services/forms.py decides."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from server.api.conditional import NOT_MODIFIED, conditional_json
from server.api.deps import DIGITS, CurrentPrincipal, EngineDep, SettingsDep, read_body
from server.api.errors import error_responses, lang_of
from server.db.tx import in_read_tx, in_write_tx
from server.errors import ServerError
from server.services import forms as forms_service
from server.xlsform.writer import xlsform_bytes
from shared_schema.errors import ErrorCode
from shared_schema.forms import FormDefinition
from shared_schema.wire import FormSummary

router = APIRouter(tags=["reference"])
_FORM_LIST = TypeAdapter(list[FormSummary])
_READ = error_responses(ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/forms",
    response_model=list[FormSummary],
    responses={**error_responses(ErrorCode.UNAUTHORIZED), **NOT_MODIFIED},
    summary="The form versions the caller's devices receive (ETag; If-None-Match → 304)",
)
async def list_forms(request: Request, who: CurrentPrincipal, engine: EngineDep) -> Response:
    forms = await in_read_tx(engine, forms_service.list_visible, who)
    return conditional_json(request, _FORM_LIST, [f.summary() for f in forms])


async def _one(engine: Any, who: Any, form_id: str, version: str) -> FormDefinition:
    if not DIGITS.fullmatch(version):
        raise ServerError(ErrorCode.NOT_FOUND)
    return await in_read_tx(engine, forms_service.get_visible, who, form_id, int(version))


@router.get("/forms/{form_id}/{version}", responses=_READ, summary="One immutable form version")
async def get_form(
    form_id: str, version: str, who: CurrentPrincipal, engine: EngineDep
) -> dict[str, Any]:
    return (await _one(engine, who, form_id, version)).model_dump(mode="json")


@router.get(
    "/forms/{form_id}/{version}/xlsx",
    responses={**_READ, 200: {"content": {XLSX: {}}, "description": "The version as an XLSForm"}},
    response_class=Response,
    summary="One form version as an XLSForm workbook (publishable back unchanged)",
)
async def get_form_xlsx(
    form_id: str, version: str, who: CurrentPrincipal, engine: EngineDep
) -> Response:
    form = await _one(engine, who, form_id, version)
    name = f"{form.form_id}.v{form.version}.xlsx"
    return Response(
        xlsform_bytes(form),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post(
    "/forms",
    status_code=201,
    responses={
        **error_responses(
            ErrorCode.INVALID_REQUEST,
            ErrorCode.UNAUTHORIZED,
            ErrorCode.FORBIDDEN,
            ErrorCode.NOT_FOUND,
            ErrorCode.ALREADY_EXISTS,
            ErrorCode.FILE_TOO_LARGE,
            ErrorCode.BODY_TOO_LARGE,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            ErrorCode.INVALID_FORM,
        ),
        200: {"description": "Identical to the stored version (`unchanged`), or `dry_run`"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            # The .xlsx bytes; any Content-Type is taken (the bytes are checked, not the header).
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
    summary="Publish an XLSForm for a province or district (administrators)",
)
async def publish_form(
    request: Request,
    who: CurrentPrincipal,
    engine: EngineDep,
    settings: SettingsDep,
    unit: str | None = None,
    dry_run: str | None = None,
) -> Response:
    if who.role not in forms_service.PUBLISH_ROLES:
        raise ServerError(ErrorCode.FORBIDDEN)  # before the body: no one else makes us read one
    if not unit:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"field": "unit"})
    if dry_run not in (None, "", "true", "false", "1", "0"):
        raise ServerError(ErrorCode.INVALID_REQUEST, {"field": "dry_run"})
    lang = lang_of(request)
    data = await read_body(request, settings.max_form_bytes)
    draft = await run_in_threadpool(
        forms_service.convert, data, lang=lang, max_bytes=settings.max_form_bytes
    )
    act = forms_service.preview if dry_run in ("true", "1") else forms_service.publish
    result = await in_write_tx(engine, lambda conn: act(conn, who, draft, unit, lang=lang))
    status = 201 if result.status == "published" else 200
    body = _FORM_RESULT.dump_json(result.as_dict())
    return Response(body, status_code=status, media_type="application/json")


_FORM_RESULT: TypeAdapter[dict[str, Any]] = TypeAdapter(dict[str, Any])
