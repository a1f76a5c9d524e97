"""The forms page: every form version the caller's devices receive (each downloadable as an
XLSForm), and for administrators, an XLSForm uploaded, previewed (its fields as the app will ask
them, in Vietnamese), compared with the version the unit's devices fill now, and published.

The preview does not keep the file: the page carries the converted definition to the publish
button with an HMAC under the session's token, so what is published is exactly what was shown,
and a definition forged in the browser is refused (403, as a forged CSRF token).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from server.db.tx import in_read_tx, in_write_tx
from server.errors import ServerError
from server.services import forms as forms_service
from server.web.pages.common import pickable_units
from server.web.routing import WebRoute
from server.web.session import CsrfRejected, Web, staff
from server.xlsform.writer import xlsform_bytes
from shared_schema.errors import ErrorCode, error_message, http_status
from shared_schema.forms import FormLoadError, parse_form

router = APIRouter(route_class=WebRoute, include_in_schema=False)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _seal(web: Web, definition: str) -> str:
    key = (web.token or "").encode()
    return hmac.new(key, b"dkst-form:" + definition.encode(), hashlib.sha256).hexdigest()


async def _page(web: Web, status: int = 200, **extra: Any) -> Response:
    def read(conn: Connection) -> tuple[list[Any], list[dict[str, Any]]]:
        units = [
            u
            for u in pickable_units(conn, web.principal)
            if u["level"] in forms_service.PUBLISH_LEVELS
        ]
        return forms_service.list_visible(conn, web.principal), units

    forms, units = await in_read_tx(web.engine, read)
    return web.render(
        "forms.html",
        status=status,
        active="forms",
        forms=forms,
        units=units,
        may_publish=web.principal.role in forms_service.PUBLISH_ROLES,
        published=web.request.query_params.get("published"),
        **extra,
    )


@router.get("/forms")
async def forms_page(web: Annotated[Web, Depends(staff)]) -> Response:
    return await _page(web)


@router.get("/forms/{form_id}/{version}/xlsx")
async def form_xlsx(form_id: str, version: str, web: Annotated[Web, Depends(staff)]) -> Response:
    if not version.isascii() or not version.isdigit() or len(version) > 9:
        raise ServerError(ErrorCode.NOT_FOUND)
    form = await in_read_tx(
        web.engine, forms_service.get_visible, web.principal, form_id, int(version)
    )
    name = f"{form.form_id}.v{form.version}.xlsx"
    return Response(
        xlsform_bytes(form),
        media_type=_XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _refusal(exc: ServerError, lang: str) -> dict[str, Any]:
    details = exc.details or {}
    return {
        "message": exc.message or error_message(exc.code, lang),
        "code": exc.code.value,
        "reason": details.get("reason"),
        "problems": details.get("problems") or [],
    }


@router.post("/forms/preview")
async def preview(web: Annotated[Web, Depends(staff)]) -> Response:
    unit = web.form.get("unit", "")
    upload = (await web.request.form()).get("file")
    limit = web.settings.max_form_bytes
    data = await upload.read(limit + 1) if isinstance(upload, UploadFile) else b""
    try:
        if web.principal.role not in forms_service.PUBLISH_ROLES:
            raise ServerError(ErrorCode.FORBIDDEN)
        draft = await run_in_threadpool(forms_service.convert, data, lang=web.lang, max_bytes=limit)
        result = await in_read_tx(
            web.engine,
            lambda conn: forms_service.preview(conn, web.principal, draft, unit, lang=web.lang),
        )
    except ServerError as exc:
        return await _page(web, status=_status(exc), refused=_refusal(exc, web.lang), unit=unit)
    definition = json.dumps(result.form.model_dump(mode="json"), ensure_ascii=False)
    return await _page(
        web,
        result=result,
        unit=unit,
        definition=definition,
        seal=_seal(web, definition),
        filename=upload.filename if isinstance(upload, UploadFile) else "",
    )


def _status(exc: ServerError) -> int:
    return http_status(exc.code)


@router.post("/forms/publish")
async def publish(web: Annotated[Web, Depends(staff)]) -> Response:
    definition = web.form.get("definition", "")
    if not hmac.compare_digest(web.form.get("seal", ""), _seal(web, definition)):
        raise CsrfRejected()
    try:
        form = parse_form(json.loads(definition), source="preview")
    except (ValueError, FormLoadError):
        raise CsrfRejected() from None  # sealed by us: only a forgery fails here
    draft = forms_service.Draft(form)
    try:
        result = await in_write_tx(
            web.engine,
            lambda conn: forms_service.publish(
                conn, web.principal, draft, web.form.get("unit", ""), lang=web.lang
            ),
        )
    except ServerError as exc:
        return await _page(web, status=_status(exc), refused=_refusal(exc, web.lang))
    done = f"{result.form.form_id} v{result.form.version}"
    return RedirectResponse(f"/web/forms?published={done}", status_code=303)
