"""Plans: district staff issue one (errors shown on the form); commune staff read their figures
for it, comment and submit; the district sees every commune on time, late or missing and opens
each report, whose page prints well."""

from __future__ import annotations

from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.responses import RedirectResponse, Response

from server.db.engine import read_tx
from server.db.tx import in_thread, in_write_tx
from server.errors import ServerError
from server.services import attachments, submissions
from server.services import plans as plans_service
from server.services import reports as reports_service
from server.storage import store_for
from server.web.pages.common import choices, pickable_units
from server.web.pages.figures import figure_sections
from server.web.routing import WebRoute
from server.web.session import Web, staff
from shared_schema.errors import ErrorCode

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# The field a plan error names (services.plans) → the form input and the message shown beside it.
_PDF = ("application/pdf",)
_FIELD_ERRORS = {
    "number": ("number", "err_number"),
    "title": ("title_vi", "err_title"),
    "unit": ("unit", "err_unit"),
    "issued_on": ("issued_on", "err_date"),
    "period": ("period_from", "err_date"),
    "period.from": ("period_from", "err_period"),
    "period.to": ("period_to", "err_date"),
    "deadline": ("deadline", "err_deadline"),
    "parent_plan_id": ("parent_plan_id", "err_parent_plan"),
    "document_sha256": ("document", "err_document"),
}


def _issuers(conn: Any, web: Web) -> list[dict[str, Any]]:
    return [u for u in pickable_units(conn, web.principal) if u["level"] != "commune"]


def _list_page(web: Web, status: int = 200, errors: Any = None, plan_form: Any = None) -> Response:
    with read_tx(web.engine) as conn:
        plans = plans_service.list_plans(conn, web.principal)
        issuers = _issuers(conn, web) if web.principal.role in plans_service.PLAN_ROLES else []
    return web.render(
        "plans.html",
        status=status,
        active="plans",
        plans=plans,
        issuers=issuers,
        errors=errors,
        plan_form=plan_form,
    )


@router.get("/plans")
def plans_page(web: Annotated[Web, Depends(staff)]) -> Response:
    return _list_page(web)


def _create(
    conn: Any, web: Web, data: dict[str, Any], document: IO[bytes] | None
) -> dict[str, Any]:
    """The plan, and its PDF first (through the attachments channel), in one transaction."""
    if document is not None:
        blobs = store_for(web.settings.attachments_dir)
        limit = web.settings.max_file_bytes
        sha = attachments.store_whole(conn, blobs, web.principal, document, limit, _PDF)
        data = {**data, "document_sha256": sha}
    return plans_service.create_plan(conn, web.principal, data)


async def _document(web: Web) -> IO[bytes] | None:
    """The PDF posted with the plan form, if any (``multipart/form-data``)."""
    form = await web.request.form()
    up = form.get("document")
    if isinstance(up, StarletteUpload) and up.filename:
        return up.file
    return None


@router.post("/plans")
async def create_plan(web: Annotated[Web, Depends(staff)]) -> Response:
    f = web.form
    data = {
        "number": f.get("number", "").strip(),
        "title": {"vi": f.get("title_vi", "").strip(), "en": f.get("title_en", "").strip() or None},
        "unit": f.get("unit", ""),
        "issued_on": f.get("issued_on", ""),
        "period": {"from": f.get("period_from", ""), "to": f.get("period_to", "")},
        "deadline": f.get("deadline", ""),
        "parent_plan_id": f.get("parent_plan_id") or None,
    }
    try:
        plan = await in_write_tx(web.engine, _create, web, data, await _document(web))
    except ServerError as exc:
        if exc.code is ErrorCode.ALREADY_EXISTS:
            errors = {"number": "err_exists"}
        elif exc.code in (ErrorCode.UNSUPPORTED_MEDIA_TYPE, ErrorCode.FILE_TOO_LARGE):
            errors = {"document": "err_document"}
        elif exc.code is ErrorCode.INVALID_REQUEST:
            field = (exc.details or {}).get("field", "")
            name, key = _FIELD_ERRORS.get(str(field), ("number", "err_field"))
            errors = {name: key}
        else:
            raise
        return await in_thread(_list_page, web, 400, errors, f)
    return RedirectResponse(f"/web/plans/{plan['plan_id']}", status_code=303)


@router.get("/plans/{plan_id}")
def plan_page(plan_id: str, web: Annotated[Web, Depends(staff)]) -> Response:
    who = web.principal
    with read_tx(web.engine) as conn:
        plan = plans_service.get_plan(conn, who, plan_id)
        statuses = plans_service.report_statuses(conn, who, plan_id)
        parent = _parent_of(conn, web, plan)
        organizations = plans_service.organization_statuses(conn, who, plan_id)
        own = [
            s
            for s in statuses
            if s["unit"]["code"] in who.units and s["unit"].get("tree") != "legacy"
        ]
        mine = None
        if who.role == "commune_staff" and own:
            commune = own[0]["unit"]["code"]
            live = reports_service.summary(conn, who, commune, plan["plan_id"])
            versions = plans_service.report_versions(conn, who, plan_id, commune)
            mine = {
                "status": own[0],
                "figures": figure_sections(live["totals"], web.lang),
                "versions": versions,
            }
    return web.render(
        "plan.html",
        active="plans",
        plan=plan,
        parent=parent,
        statuses=statuses,
        organizations=organizations,
        org_labels=dict(choices("model", "lead_organization", web.lang)),
        kinds=plans_service.REPORT_KINDS,
        mine=mine,
        notice="report_submitted" if web.request.query_params.get("done") else None,
    )


@router.post("/plans/{plan_id}/reports")
async def submit_report(plan_id: str, web: Annotated[Web, Depends(staff)]) -> Response:
    keys = ("unit", "comment", "kind", "organization")
    data = {k: web.form.get(k, "") for k in keys}
    await in_write_tx(web.engine, submissions.submit_report, web.principal, plan_id, data)
    return RedirectResponse(f"/web/plans/{plan_id}?done=1", status_code=303)


@router.get("/plans/{plan_id}/reports/{unit}")
def report_page(plan_id: str, unit: str, web: Annotated[Web, Depends(staff)]) -> Response:
    with read_tx(web.engine) as conn:
        plan = plans_service.get_plan(conn, web.principal, plan_id)
        org = web.request.query_params.get("organization") or None
        versions = plans_service.report_versions(conn, web.principal, plan_id, unit, org)
        read = plans_service.organization_statuses if org else plans_service.report_statuses
        entry = next(
            (
                s
                for s in read(conn, web.principal, plan_id)
                if s["unit"]["code"] == unit and s["organization"] == org
            ),
            None,
        )
    if entry is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    shown = [
        {**v, "sections": figure_sections(v["figures"].get("totals", {}), web.lang)}
        for v in versions
    ]
    org_name = dict(choices("model", "lead_organization", web.lang)).get(org or "")
    return web.render(
        "report.html",
        active="plans",
        plan=plan,
        commune=entry["unit"],
        organization=org_name,
        versions=shown,
    )


def _parent_of(conn: Any, web: Web, plan: dict[str, Any]) -> dict[str, Any] | None:
    """The higher plan this one carries out, when the caller can see it."""
    if not plan.get("parent_plan_id"):
        return None
    try:
        return plans_service.get_plan(conn, web.principal, plan["parent_plan_id"])
    except ServerError:
        return None
