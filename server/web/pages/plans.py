"""Plans: district staff issue one (errors shown on the form); commune staff read their figures
for it, comment and submit; the district sees every commune on time, late or missing and opens
each report, whose page prints well."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import RedirectResponse, Response

from server.db.engine import read_tx, write_tx
from server.db.tx import in_write_tx
from server.errors import ServerError
from server.services import plans as plans_service
from server.services import reports as reports_service
from server.services import submissions
from server.web.pages.common import pickable_units
from server.web.pages.figures import figure_sections
from server.web.routing import WebRoute
from server.web.session import Web, staff
from shared_schema.errors import ErrorCode

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# The field a plan error names (services.plans) → the form input and the message shown beside it.
_FIELD_ERRORS = {
    "number": ("number", "err_number"),
    "title": ("title_vi", "err_title"),
    "unit": ("unit", "err_unit"),
    "issued_on": ("issued_on", "err_date"),
    "period": ("period_from", "err_date"),
    "period.from": ("period_from", "err_period"),
    "period.to": ("period_to", "err_date"),
    "deadline": ("deadline", "err_deadline"),
}


def _issuers(conn: Any, web: Web) -> list[dict[str, Any]]:
    return [u for u in pickable_units(conn, web.principal) if u["level"] != "commune"]


def _list_page(web: Web, status: int = 200, **extra: Any) -> Response:
    with read_tx(web.engine) as conn:
        plans = plans_service.list_plans(conn, web.principal)
        issuers = _issuers(conn, web) if web.principal.role in plans_service.PLAN_ROLES else []
    return web.render(
        "plans.html", status=status, active="plans", plans=plans, issuers=issuers, **extra
    )


@router.get("/plans")
def plans_page(web: Annotated[Web, Depends(staff)]) -> Response:
    return _list_page(web)


@router.post("/plans")
def create_plan(web: Annotated[Web, Depends(staff)]) -> Response:
    f = web.form
    data = {
        "number": f.get("number", "").strip(),
        "title": {"vi": f.get("title_vi", "").strip(), "en": f.get("title_en", "").strip() or None},
        "unit": f.get("unit", ""),
        "issued_on": f.get("issued_on", ""),
        "period": {"from": f.get("period_from", ""), "to": f.get("period_to", "")},
        "deadline": f.get("deadline", ""),
    }
    try:
        with write_tx(web.engine) as conn:
            plan = plans_service.create_plan(conn, web.principal, data)
    except ServerError as exc:
        if exc.code is ErrorCode.ALREADY_EXISTS:
            errors = {"number": "err_exists"}
        elif exc.code is ErrorCode.INVALID_REQUEST:
            field = (exc.details or {}).get("field", "")
            name, key = _FIELD_ERRORS.get(str(field), ("number", "err_field"))
            errors = {name: key}
        else:
            raise
        return _list_page(web, status=400, errors=errors, plan_form=f)
    return RedirectResponse(f"/web/plans/{plan['plan_id']}", status_code=303)


@router.get("/plans/{plan_id}")
def plan_page(plan_id: str, web: Annotated[Web, Depends(staff)]) -> Response:
    who = web.principal
    with read_tx(web.engine) as conn:
        plan = plans_service.get_plan(conn, who, plan_id)
        statuses = plans_service.report_statuses(conn, who, plan_id)
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
        statuses=statuses,
        mine=mine,
        notice="report_submitted" if web.request.query_params.get("done") else None,
    )


@router.post("/plans/{plan_id}/reports")
async def submit_report(plan_id: str, web: Annotated[Web, Depends(staff)]) -> Response:
    unit, comment = web.form.get("unit", ""), web.form.get("comment", "")
    await in_write_tx(web.engine, submissions.submit_report, web.principal, plan_id, unit, comment)
    return RedirectResponse(f"/web/plans/{plan_id}?done=1", status_code=303)


@router.get("/plans/{plan_id}/reports/{unit}")
def report_page(plan_id: str, unit: str, web: Annotated[Web, Depends(staff)]) -> Response:
    with read_tx(web.engine) as conn:
        plan = plans_service.get_plan(conn, web.principal, plan_id)
        versions = plans_service.report_versions(conn, web.principal, plan_id, unit)
        entry = next(
            (
                s
                for s in plans_service.report_statuses(conn, web.principal, plan_id)
                if s["unit"]["code"] == unit
            ),
            None,
        )
    if entry is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    shown = [
        {**v, "sections": figure_sections(v["figures"].get("totals", {}), web.lang)}
        for v in versions
    ]
    return web.render(
        "report.html", active="plans", plan=plan, commune=entry["unit"], versions=shown
    )
