"""Reference data: health, units (the forms: server/api/routes/forms.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import TypeAdapter

from server.api.conditional import NOT_MODIFIED, conditional_json
from server.api.deps import CurrentPrincipal, EngineDep
from server.api.errors import error_responses
from server.db.tx import in_read_tx
from server.services.units import units_in_scope
from shared_schema import __version__
from shared_schema.errors import ErrorCode
from shared_schema.wire import Health, UnitOut

router = APIRouter()
AUTH_ERRORS = (ErrorCode.UNAUTHORIZED,)
_UNIT_LIST = TypeAdapter(list[UnitOut])


@router.get("/health", response_model=Health, tags=["meta"], summary="Liveness; no auth")
def health() -> Health:
    return Health(version=__version__)


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
