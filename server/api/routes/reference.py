"""Reference data: health, units (the forms: server/api/routes/forms.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, TypeAdapter

from server.api.conditional import NOT_MODIFIED, conditional_json
from server.api.deps import CurrentPrincipal, EngineDep, SettingsDep
from server.api.errors import error_responses
from server.blobs import blob_store
from server.db.tx import in_read_tx
from server.errors import ServerError
from server.services.health import readiness
from server.services.units import units_in_scope
from shared_schema import __version__
from shared_schema.errors import ErrorCode
from shared_schema.wire import Health, UnitOut


class Ready(BaseModel):
    """What GET /health/ready answers when the server can serve (this server's, not SYNC.md's)."""

    status: str = "ready"
    version: str
    database: str
    blob_store: str


router = APIRouter()
AUTH_ERRORS = (ErrorCode.UNAUTHORIZED,)
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
