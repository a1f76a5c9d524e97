"""The dashboard of a unit (the summary per child unit, charts, the communes' report status for a
plan) and the map of its models."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.responses import Response

from server.db.engine import read_tx
from server.services import browse, queues, reports_before
from server.services import reports as reports_service
from server.services.units import unit_in_scope
from server.web.pages.common import choices, download_query, pickable_units, query
from server.web.pages.figures import figure_sections
from server.web.pages.plan_links import visible_plans
from server.web.routing import WebRoute
from server.web.session import Web, staff

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _sum(d: dict[str, Any] | None) -> int:
    return sum(v for v in (d or {}).values() if isinstance(v, int))


def _row(label: str, fig: dict[str, Any], *, code: str | None = None) -> dict[str, Any]:
    models = fig.get("models", {})
    return {
        "label": label,
        "code": code,
        "models": _sum(models.get("by_content_area")),
        "by_content_area": models.get("by_content_area", {}),
        "participants": fig.get("participants", 0),
        "households": fig.get("households"),
        "visits": fig.get("visits", 0),
        "evidence": fig.get("evidence", 0),
        "evidence_missing": fig.get("evidence_missing", 0),
        "initiatives": _sum(fig.get("initiatives", {}).get("by_status")),
        "report": fig.get("report"),
        "level": fig.get("unit", {}).get("level"),
    }


def _child_row(web: Web, child: dict[str, Any], *, old: bool) -> dict[str, Any]:
    """A child's row; by the units before the 2025 reform, with its old code shown and no link
    (an old code is not a unit of the server, and may be another unit's code today)."""
    unit = child["unit"]
    if not old:
        return _row(unit["name"], child, code=unit["code"])
    if unit["level"] == reports_before.AFTER_2025:
        return _row(web.t("after_2025"), child)
    return {**_row(f"{unit['name']} ({unit['code']})", child), "level": unit["level"]}


def _chart(
    labels: list[tuple[str, str]], counts: dict[str, int], short: str | None = None
) -> dict[str, Any]:
    """Labels and values in the form's order; ``short``: axis labels "<short> <key>", the full
    label in the tooltip (the five content areas' names are sentences)."""
    keys = [k for k, _ in labels] + [k for k in counts if k not in dict(labels)]
    names = dict(labels)
    full = [names.get(k, k) for k in keys]
    return {
        "labels": [f"{short} {k}" for k in keys] if short else full,
        "titles": full,
        "values": [counts.get(k, 0) for k in keys],
    }


@router.get("/")
def dashboard(web: Annotated[Web, Depends(staff)]) -> Response:
    who = web.principal
    keys = ("unit", "plan", "grouping")
    params = {k: v for k, v in web.request.query_params.items() if k in keys and v}
    unit = params.get("unit") or who.units[0]
    with read_tx(web.engine) as conn:
        report = reports_service.summary(
            conn, who, unit, params.get("plan"), params.get("grouping")
        )
        queue_counts = queues.counts(conn, who, unit)
        units = pickable_units(conn, who)
        plans = visible_plans(conn, who)
        reformed = reports_before.reformed(conn)
    totals = report["totals"]
    old = report.get("grouping") == "before_2025"
    rows = [_child_row(web, c, old=old) for c in report["children"]]
    districts = [_child_row(web, c, old=True) for c in report.get("districts") or ()]
    own = _row(web.t("own"), report["own"]) if report.get("own") else None
    models = totals["models"]
    charts = {
        "content": _chart(
            [(k, f"{k}. {v}") for k, v in choices("model", "content_area", web.lang)],
            models["by_content_area"],
            short=web.t("content_area"),
        ),
        "status": _chart(choices("model", "status", web.lang), models["by_status"]),
        "organization": _chart(
            choices("model", "lead_organization", web.lang), models.get("by_organization") or {}
        )
        if "by_organization" in models
        else None,
        # Drawn from /web/trend.json once the page is up: at a million records that query takes
        # a second or more, and the table above it should not wait for it.
        "trend_url": "/web/trend.json?" + query({"unit": unit}),
    }
    return web.render(
        "dashboard.html",
        active="dashboard",
        report=report,
        params={**params, "unit": unit},
        rows=rows,
        districts=districts,
        grouping="before_2025" if old else "units",
        reformed=reformed,
        own=own,
        total=_row(web.t("totals"), totals),
        units=units,
        plans=plans,
        content_areas=choices("model", "content_area", web.lang),
        charts=charts,
        # Every figure of the totals, the breakdowns of form set v2 included (issue 20).
        sections=figure_sections(totals, web.lang),
        download_query=download_query({**params, "unit": unit}),
        queue_unit=unit,
        queue_counts=queue_counts,
    )


@router.get("/trend.json")
def trend(web: Annotated[Web, Depends(staff)]) -> dict[str, Any]:
    """Records by the month of their own date, for the dashboard's trend chart."""
    unit = web.request.query_params.get("unit") or web.principal.units[0]
    with read_tx(web.engine) as conn:
        months, per = browse.by_month(conn, web.principal, unit)
    series = [
        {"label": web.t(key), "values": [per.get(entity, {}).get(m, 0) for m in months]}
        for entity, key in (
            ("model", "models"),
            ("visit", "visits"),
            ("activity", "activities_held"),
            ("initiative", "initiatives"),
        )
    ]
    return {"labels": months, "series": series}


@router.get("/map")
def map_page(web: Annotated[Web, Depends(staff)]) -> Response:
    who = web.principal
    params = {k: v for k, v in web.request.query_params.items() if k == "unit" and v}
    unit = params.get("unit") or who.units[0]
    with read_tx(web.engine) as conn:
        # Scope checked here, so that a hand-edited unit is a 404 page, not an empty map.
        unit_in_scope(conn, who, unit)
        units = pickable_units(conn, who)
    return web.render(
        "map.html",
        active="map",
        params={"unit": unit},
        units=units,
        geojson_url="/web/download/models.geojson?" + query({"unit": unit, "lang": web.lang}),
        tile_url=web.settings.map_tile_url,
    )
