"""Record lists with filters, one record's page, review decisions and conflict resolution."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends
from starlette.responses import RedirectResponse, Response, StreamingResponse

from server.blobs import blob_store
from server.db.engine import read_tx, write_tx
from server.errors import ServerError
from server.services import attachments as attachments_service
from server.services import browse, queues, review
from server.services import record_page as record_view
from server.web.pages.common import choices, download_query, entity_names, pickable_units, query
from server.web.routing import WebRoute
from server.web.session import Web, staff
from shared_schema.errors import ChangeErrorCode, ErrorCode, error_message

router = APIRouter(route_class=WebRoute, include_in_schema=False)
FILTER_KEYS = (
    "unit",
    "entity",
    "content_area",
    "status",
    "review_state",
    "plan",
    "from",
    "to",
    "q",
    "queue",
)


def filter_params(web: Web) -> dict[str, str]:
    return {k: v for k, v in web.request.query_params.items() if k in FILTER_KEYS and v}


def filter_choices(web: Web, conn: Any) -> dict[str, Any]:
    return {
        "units": pickable_units(conn, web.principal),
        "entities": entity_names(web.lang),
        "content_areas": choices("model", "content_area", web.lang),
        "statuses": choices("model", "status", web.lang),
    }


@router.get("/records")
def record_list(web: Annotated[Web, Depends(staff)]) -> Response:
    params = filter_params(web)
    raw = {**params, "before": web.request.query_params.get("before", "")}
    queue = params.get("queue")
    with read_tx(web.engine) as conn:
        f = browse.parse_filter(raw, web.principal.units[0])
        counts = queues.counts(conn, web.principal, f.unit)
        if queue:  # a review queue: its records, newest change first
            page, next_before = queues.page(
                conn, web.principal, queue, f.unit, entity=f.entity, before_seq=f.before
            )
            rows, total = browse.summary_rows(conn, page), counts.get(queue)
        else:
            f = _with_plan(web, conn, f, params.get("plan"))
            rows, next_before = browse.list_records(conn, web.principal, f)
            total = browse.total(conn, web.principal, f)
        browse.mark_conflicts(conn, rows)
        context = filter_choices(web, conn)
        context["plans"] = _plans(web, conn)
    names = dict(context["entities"])
    unit_names = {str(u["code"]): str(u["name"]) for u in context["units"]}
    return web.render(
        "records.html",
        active="records",
        params=params,
        rows=rows,
        entity_label=names,
        unit_names=unit_names,
        next_url=f"/web/records?{query(params, before=next_before)}" if next_before else None,
        first_url=f"/web/records?{query(params)}" if f.before else None,
        download_query=download_query(params),
        page_size=browse.PAGE_SIZE,
        queue=queue,
        queue_unit=f.unit,
        queue_counts=counts,
        total=total,
        notice="queue_empty" if web.request.query_params.get("done") == "queue_empty" else None,
        **context,
    )


def _plans(web: Web, conn: Any) -> list[dict[str, Any]]:
    from server.web.pages.plan_links import visible_plans

    return visible_plans(conn, web.principal)


def _with_plan(web: Web, conn: Any, f: browse.RecordFilter, plan_id: str | None) -> Any:
    from server.web.pages.plan_links import plan_period

    if not plan_id:
        return f
    return browse.RecordFilter(
        **{**f.__dict__, "period": plan_period(conn, web.principal, plan_id)}
    )


def _queue_of(web: Web, conn: Any, record_id: str, values: Any) -> dict[str, Any] | None:
    """The review queue a record was opened from (``queue`` and ``unit``), with how many records
    are left in it and the next one, or None."""
    queue, unit = values.get("queue", ""), values.get("unit", "")
    if queue not in queues.QUEUES or not unit:
        return None
    left = queues.counts(conn, web.principal, unit)[queue]
    following = queues.next_record(conn, web.principal, queue, unit, current=record_id)
    where = query({"queue": queue, "unit": unit})
    return {
        "key": queue,
        "unit": unit,
        "left": left,
        "skip_url": f"/web/records/{following}?{where}" if following else None,
        "list_url": f"/web/records?{where}",
    }


@router.get("/records/{record_id}")
def record_page(record_id: str, web: Annotated[Web, Depends(staff)]) -> Response:
    with read_tx(web.engine) as conn:
        rec = record_view.record_detail(conn, web.principal, record_id, web.lang)
        in_queue = _queue_of(web, conn, record_id, web.request.query_params)
    notice = web.request.query_params.get("done")
    return web.render(
        "record.html",
        active="records",
        rec=rec,
        in_queue=in_queue,
        notice=notice if notice in ("review_done", "resolved") else None,
        errors=_error_messages(web.request.query_params.get("error", ""), web.lang),
        entity_label=dict(entity_names(web.lang)),
    )


_CHANGE_CODES = frozenset(c.value for c in ChangeErrorCode)


def _error_messages(codes: str, lang: str) -> list[str]:
    """The messages of a refused decision, by code only: a link cannot put words on the page."""
    known = [c for c in codes.split(",")[:10] if c in _CHANGE_CODES]
    return [error_message(c, lang) for c in dict.fromkeys(known)]


def _after_push(web: Web, record_id: str, result: dict[str, Any], done: str) -> Response:
    """Back to the record with what happened; from a review queue, on to its next record (issue
    18: a backlog is decided record after record, not from the list each time)."""
    queue, unit = web.form.get("queue", ""), web.form.get("unit", "")
    in_queue = queue in queues.QUEUES and unit
    where = query({"queue": queue, "unit": unit}) if in_queue else ""
    if result["status"] == "rejected":
        codes = ",".join(sorted({e["code"] for e in result["errors"]}))
        return RedirectResponse(f"/web/records/{record_id}?{query({}, error=codes)}&{where}", 303)
    if in_queue:
        with read_tx(web.engine) as conn:
            following = queues.next_record(conn, web.principal, queue, unit, current=record_id)
        if following is None:
            return RedirectResponse(f"/web/records?{where}&done=queue_empty", status_code=303)
        return RedirectResponse(f"/web/records/{following}?{where}&done={done}", status_code=303)
    return RedirectResponse(f"/web/records/{record_id}?done={done}", status_code=303)


@router.post("/records/{record_id}/review")
def review_post(record_id: str, web: Annotated[Web, Depends(staff)]) -> Response:
    decision = web.form.get("decision", "")
    comment = web.form.get("comment", "")
    if decision == "returned" and not comment.strip():
        with read_tx(web.engine) as conn:
            rec = record_view.record_detail(conn, web.principal, record_id, web.lang)
            in_queue = _queue_of(web, conn, record_id, web.form)
        return web.render(
            "record.html",
            status=400,
            active="records",
            rec=rec,
            in_queue=in_queue,
            review_error="reason_required",
            entity_label=dict(entity_names(web.lang)),
        )
    with write_tx(web.engine) as conn:
        result = review.decide(
            conn,
            web.settings,
            web.principal,
            record_id,
            decision=decision,
            comment=comment,
            lang=web.lang,
        )
    return _after_push(web, record_id, result, "review_done")


@router.post("/records/{record_id}/resolve")
def resolve_post(record_id: str, web: Annotated[Web, Depends(staff)]) -> Response:
    with write_tx(web.engine) as conn:
        result = review.resolve(
            conn,
            web.settings,
            web.principal,
            record_id,
            field=web.form.get("field", ""),
            choice=web.form.get("choice", ""),
            edited=web.form.get("value", ""),
            lang=web.lang,
        )
    return _after_push(web, record_id, result, "resolved")


@router.get("/files/{sha256}")
def evidence_file(sha256: str, web: Annotated[Web, Depends(staff)]) -> Response:
    """An evidence file, by the API's visibility rule (SYNC.md "Attachments")."""
    sha = attachments_service.parse_sha256(sha256)
    with read_tx(web.engine) as conn:
        found = attachments_service.readable_file(conn, web.principal, sha)
    if found is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    try:
        blob = blob_store(web.settings).open_blob(sha)
    except FileNotFoundError:
        raise ServerError(ErrorCode.NOT_FOUND) from None
    headers = {"Content-Length": str(found[1]), "Cache-Control": "private"}
    return StreamingResponse(_blocks(blob), media_type=found[0], headers=headers)


def _blocks(f: BinaryIO) -> Iterator[bytes]:
    try:
        while block := f.read(256 * 1024):
            yield block
    finally:
        f.close()
