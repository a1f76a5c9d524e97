"""Records as staff read them in the web pages: filtered lists, one record with its labels, history,
visits, evidence and conflicts. Plain values in and out; the SQL is in ``store.records``,
``store.changes`` (history), ``store.conflicts`` and ``store.facts``.

Filters: ``unit`` (its subtree), ``entity``, ``from``/``to`` (UTC dates of ``updated_at``) in SQL;
``content_area``, ``status`` (records that carry that field: models, and initiatives for status),
``review_state`` (no state counts as ``pending``), a plan's period and a text search without
diacritics are checked per row. A page scans at most ``SCAN_BUDGET`` rows: when a rare filter
leaves the page short, it still ends with a cursor to go on from, so no request reads a million
rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Row

from server import store
from server.errors import ServerError
from server.services.auth import Principal
from server.services.units import unit_in_scope
from shared_schema import periods
from shared_schema.entities import ENTITIES, REVIEW_STATES
from shared_schema.errors import ErrorCode
from shared_schema.text import search_key

PAGE_SIZE = 50
_MONTH_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
SCAN_BUDGET = 5000
_BATCH = 250
_TITLE_FIELDS = ("name", "title", "caption", "visit_date", "date", "officer_name")


@dataclass(frozen=True)
class RecordFilter:
    unit: str
    entity: str | None = None
    content_area: str | None = None
    status: str | None = None
    review_state: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str | None = None
    period: tuple[date, date] | None = None  # a plan's period
    before: int | None = None  # keyset cursor: the seq to go on below


def _day(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"parameter": name}) from None


def parse_filter(params: dict[str, str], default_unit: str) -> RecordFilter:
    """A filter from a query string (empty values are "no filter"); bad values → invalid_request."""
    entity = params.get("entity") or None
    if entity is not None and entity not in ENTITIES:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"parameter": "entity"})
    review = params.get("review_state") or None
    if review is not None and review not in REVIEW_STATES:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"parameter": "review_state"})
    before = params.get("before") or None
    if before is not None and not (before.isascii() and before.isdigit() and len(before) < 19):
        raise ServerError(ErrorCode.INVALID_REQUEST, {"parameter": "before"})
    return RecordFilter(
        unit=params.get("unit") or default_unit,
        entity=entity,
        content_area=params.get("content_area") or None,
        status=params.get("status") or None,
        review_state=review,
        date_from=_day(params.get("from"), "from"),
        date_to=_day(params.get("to"), "to"),
        text=(params.get("q") or "").strip() or None,
        before=int(before) if before else None,
    )


def _matches(
    f: RecordFilter, row: Row[Any], fields: dict[str, Any], key: str | None, named: periods.Lookup
) -> bool:
    entity = row.entity
    if f.content_area is not None and fields.get("content_area") != f.content_area:
        return False
    if f.status is not None and fields.get("status") != f.status:
        return False
    if f.review_state is not None and (fields.get("review_state") or "pending") != f.review_state:
        return False
    if f.period is not None:
        period = (f.period[0].isoformat(), f.period[1].isoformat())
        dated = periods.with_received_day(entity, fields, row.created_at)
        if not periods.record_counts(entity, dated, period, named):
            return False
    if key:
        text = " ".join(str(v) for v in fields.values() if isinstance(v, str))
        if key not in search_key(text):
            return False
    return True


def title_of(fields: dict[str, Any], model_name: str | None = None) -> str:
    """A record's title: its name, title or caption; a visit's is its model's name and its date
    (issue 18: a date alone said nothing in a list of visits)."""
    if model_name and isinstance(day := fields.get("visit_date"), str):
        return f"{model_name} — {day}"
    for name in _TITLE_FIELDS:
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return "—"


def list_records(
    conn: Connection, who: Principal, f: RecordFilter
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of records (newest change first) and the cursor of the next page, or None."""
    unit_in_scope(conn, who, f.unit)
    key = search_key(f.text) if f.text else None
    upto = (f.date_to + timedelta(days=1)).isoformat() if f.date_to else None
    out: list[dict[str, Any]] = []
    before, scanned = f.before, 0
    cursor: int | None = before
    while len(out) < PAGE_SIZE and scanned < SCAN_BUDGET:
        rows = store.records.page_of_records(
            conn,
            unit=f.unit,
            entities=[f.entity] if f.entity else None,
            updated_from=f.date_from.isoformat() if f.date_from else None,
            updated_before=upto,
            before_seq=before,
            limit=_BATCH,
        )
        named = _named_by(conn, rows) if f.period is not None else _nothing
        for r in rows:
            scanned += 1
            before = r.seq
            fields = orjson.loads(r.fields)
            if _matches(f, r, fields, key, named):
                out.append(_summary_row(r, fields))
                if len(out) == PAGE_SIZE:
                    break
        # A full page, or a scan past its budget, goes on below the last row read; the end of
        # the records has no next page.
        cursor = before if len(out) == PAGE_SIZE or len(rows) == _BATCH else None
        if cursor is None:
            break
    _name_visits(conn, out)
    return out, cursor


def total(conn: Connection, who: Principal, f: RecordFilter) -> int | None:
    """How many records the list holds in all, when its filters are the database's own (unit,
    entity, dates); None when a filter is checked row by row (a count would read them all)."""
    if any((f.content_area, f.status, f.review_state, f.text, f.period)):
        return None
    unit_in_scope(conn, who, f.unit)
    return store.records.count_under(
        conn,
        unit=f.unit,
        entities=[f.entity] if f.entity else None,
        updated_from=f.date_from.isoformat() if f.date_from else None,
        updated_before=(f.date_to + timedelta(days=1)).isoformat() if f.date_to else None,
    )


def mark_conflicts(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """``has_conflict`` on the listed rows with an open conflict (a column of the list)."""
    found = store.conflicts.open_among(conn, [r["record_id"] for r in rows]) if rows else set()
    for r in rows:
        r["has_conflict"] = r["record_id"] in found


def _nothing(_record_id: str) -> None:
    return None


def _named_by(conn: Connection, rows: list[Row[Any]]) -> periods.Lookup:
    """The visits and models the evidence among ``rows`` names (the plan period rule counts
    evidence with them), as the rule's look-up."""
    refs: set[str] = set()
    for r in rows:
        if r.entity == "evidence":
            fields = orjson.loads(r.fields)
            refs.update(v for v in (fields.get("visit"), fields.get("model")) if isinstance(v, str))
    found = {
        x.record_id: (
            x.entity,
            periods.with_received_day(x.entity, orjson.loads(x.fields), x.created_at),
        )
        for x in store.records.rows_by_id(conn, refs)
    }
    return found.get


def summary_rows(conn: Connection, rows: list[Row[Any]]) -> list[dict[str, Any]]:
    """Rows of a list (a page of a queue, say) as the list shows them."""
    out = [_summary_row(r, orjson.loads(r.fields)) for r in rows]
    _name_visits(conn, out)
    return out


def _name_visits(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Title the visits among ``rows`` by their model's name and their date."""
    models = {r["model"] for r in rows if r["entity"] == "visit" and r["model"]}
    if not models:
        return
    names = {
        m.record_id: title_of(orjson.loads(m.fields))
        for m in store.records.rows_by_id(conn, models)
        if m.entity == "model" and m.unit in {r["unit"] for r in rows}
    }
    for r in rows:
        if r["entity"] == "visit" and r["model"] in names:
            r["title"] = title_of(r["fields"], names[r["model"]])


def _summary_row(r: Row[Any], fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "fields": fields,
        "model": fields.get("model") if isinstance(fields.get("model"), str) else None,
        "record_id": r.record_id,
        "entity": r.entity,
        "unit": r.unit,
        "title": title_of(fields),
        "review_state": fields.get("review_state") or "pending",
        "status": fields.get("status"),
        "content_area": fields.get("content_area"),
        "updated_at": r.updated_at,
        "rev": r.rev,
    }


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def by_month(
    conn: Connection, who: Principal, unit: str, *, months: int = 24
) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Every month of up to ``months`` ending with the latest that has a record under a unit in
    scope, and ``{entity: {"YYYY-MM": n}}`` by the month of each record's own date (the plan
    period's dates: a model's start, a visit's, an activity's, an initiative's submission)."""
    unit_in_scope(conn, who, unit)
    rows = [r for r in store.facts.dated_by_month(conn, unit) if _MONTH_RE.fullmatch(r[0])]
    if not rows:
        return [], {}
    span = _months(rows[0][0], rows[-1][0])[-months:]
    out: dict[str, dict[str, int]] = {}
    for month, entity, n in rows:
        if month >= span[0]:
            out.setdefault(entity, {})[month] = n
    return span, out
