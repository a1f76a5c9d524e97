"""Reference data: health, forms, units."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, TypeAdapter

from server.api.conditional import NOT_MODIFIED, conditional_json
from server.api.deps import DIGITS, CurrentPrincipal, EngineDep, SettingsDep
from server.api.errors import error_responses
from server.blobs import blob_store
from server.db.tx import in_read_tx
from server.errors import ServerError
from server.services.health import readiness
from server.services.units import units_in_scope
from shared_schema import __version__
from shared_schema.errors import ErrorCode
from shared_schema.forms import load_default_forms
from shared_schema.wire import FormSummary, Health, UnitOut


class Ready(BaseModel):
    """What GET /health/ready answers when the server can serve (this server's, not SYNC.md's)."""

    status: str = "ready"
    version: str
    database: str
    blob_store: str


router = APIRouter()
AUTH_ERRORS = (ErrorCode.UNAUTHORIZED,)
_FORM_LIST = TypeAdapter(list[FormSummary])
_UNIT_LIST = TypeAdapter(list[UnitOut])


@router.get("/health", response_model=Health, tags=["meta"], summary="Liveness; no auth")
def health() -> Health:
    return Health(version=__version__)


@router.get(
    "/health/ready",
    response_model=Ready,
    tags=["meta"],
    responses=error_responses(),
    summary="Readiness: the database and the file store answer; 503 otherwise; no auth",
)
def ready(engine: EngineDep, settings: SettingsDep) -> Ready:
    down = readiness(engine, blob_store(settings))
    if down:
        raise ServerError(
            ErrorCode.UNAVAILABLE,
            {"unavailable": down},
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )
    return Ready(version=__version__, database="ok", blob_store="ok")


@router.get(
    "/forms",
    response_model=list[FormSummary],
    tags=["reference"],
    responses={**error_responses(*AUTH_ERRORS), **NOT_MODIFIED},
    summary="Every form version this server knows (ETag; If-None-Match → 304)",
)
def list_forms(request: Request, _who: CurrentPrincipal) -> Response:
    forms = [
        FormSummary(
            form_id=f.form_id, version=f.version, entity=f.entity, sha256=f.sha256, title=f.title
        )
        for f in load_default_forms().all()
    ]
    return conditional_json(request, _FORM_LIST, forms)


@router.get(
    "/forms/{form_id}/{version}",
    tags=["reference"],
    responses=error_responses(*AUTH_ERRORS, ErrorCode.NOT_FOUND),
    summary="One immutable form version",
)
def get_form(form_id: str, version: str, _who: CurrentPrincipal) -> dict[str, Any]:
    if not DIGITS.fullmatch(version):
        raise ServerError(ErrorCode.NOT_FOUND)
    form = load_default_forms().get(form_id, int(version))
    if form is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    return form.model_dump(mode="json")


@router.get(
    "/units",
    response_model=list[UnitOut],
    tags=["reference"],
    responses={**error_responses(*AUTH_ERRORS), **NOT_MODIFIED},
    summary="The administrative units in the caller's scope (ETag; If-None-Match → 304)",
)
async def list_units(request: Request, who: CurrentPrincipal, engine: EngineDep) -> Response:
    # On every device's sync: one threadpool call, see server.api.deps.in_read_tx.
    units = await in_read_tx(engine, units_in_scope, who)
    return conditional_json(request, _UNIT_LIST, units)
