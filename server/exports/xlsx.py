"""``records.xlsx``: a ``summary`` sheet (records per commune and entity), then a sheet per entity.

The sheets are for people by default (``headers=labels``): the fields' labels in the export's
language as the one header row (frozen, with autofilter), the sheets named by the entities' names
in that language (``Tổng hợp`` first, then ``Khu dân cư``, ``Mô hình``…), a referenced residential
area or model named beside its id, the filters spelt out on the summary; ``headers=keys`` gives
field names and entity keys instead; numbers, booleans, dates and datetimes are typed cells, every text an
inline string (never a formula), without the control characters XML forbids, at most 32,767
characters.

Streamed: an xlsx is a zip of XML parts, and the zip's member order is free, so each entity's
sheet is written row by row into its zip member (stream-zip, :func:`.zips.xlsx_member`) as the
records are read: the first bytes leave once the first rows are compressed, memory stays flat,
nothing goes to disk. The ``summary`` sheet, whose counts are known only at the end, and the
workbook's small parts (sheet list, relationships, content types, styles) are the last members;
the workbook still lists ``summary`` as the first tab. A sheet past Excel's row limit (or whose
XML nears the 4 GiB a 32-bit zip member can hold) goes on in ``<entity> (2)``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine, Row
from stream_zip import MemberFile

from server import store
from server.clock import utc_now
from server.exports.columns import (
    LOCAL_UPDATED_AT,
    REVIEW_LABELS,
    Column,
    cell,
    choice_labels,
    entity_columns,
    entity_title,
    in_vietnam,
    label,
)
from server.exports.filters import Links, links
from server.exports.query import PreparedExport
from server.exports.rows import records, snapshot
from server.exports.sheets import BOLD, HEAD, Sheet, package_parts, sheet_name
from server.exports.zips import archive, xlsx_member
from shared_schema.entities import ENTITIES
from shared_schema.forms import FormSet

__all__ = ["xlsx"]

_MAX_ROWS = 1_048_576  # Excel's limit per sheet, the header row included
_MAX_SHEET_BYTES = 3 * 2**30  # a sheet's XML goes on in a new sheet past this (ZIP_32: < 4 GiB)

Record = tuple[Row[Any], dict[str, Any]]


def xlsx(engine: Engine, prepared: PreparedExport) -> Iterator[bytes]:
    with snapshot(engine) as conn:
        yield from archive(_members(conn, prepared))


class _Workbook:
    """What the parts written last need from the sheets written first."""

    def __init__(self) -> None:
        self.sheets: list[Sheet] = []
        self.counts: Counter[tuple[str, str]] = Counter()  # (commune, entity) → records

    def new_sheet(self, name: str, widths: Sequence[float]) -> Sheet:
        sheet = Sheet(name, len(self.sheets) + 2, widths)  # sheet1.xml is the summary
        self.sheets.append(sheet)
        return sheet


def _members(conn: Connection, prepared: PreparedExport) -> Iterator[MemberFile]:
    """The zip's members; stream-zip writes each one whole before it asks for the next, so when
    a sheet's member has been written, its row count is known."""
    q = prepared.query
    forms = prepared.form_set
    names = store.units.names_under(conn, prepared.unit_code)
    found = links(conn, prepared)
    wb = _Workbook()
    for entity in ENTITIES:
        yield from _entity_sheets(conn, prepared, wb, entity, forms, names, found)
    communes = store.units.communes_under(conn, prepared.unit_code)
    widths = [22.0, 34.0] + [14.0] * len(ENTITIES)
    title = _SUMMARY_TEXT["sheet"][1 if q.lang == "en" else 0] if q.labels else "summary"
    summary = Sheet(title, 1, widths, freeze=(_SUMMARY_TOP, 2), autofilter=False)
    rows = _summary_rows(summary, prepared, forms, names, communes, wb.counts)
    yield xlsx_member(summary.path, summary.xml(rows))
    for name, data in package_parts([summary, *wb.sheets]):
        yield xlsx_member(name, (data,))


def _entity_sheets(
    conn: Connection,
    prepared: PreparedExport,
    wb: _Workbook,
    entity: str,
    forms: FormSet,
    names: dict[str, str],
    found: Links | None,
) -> Iterator[MemberFile]:
    """One entity's sheet, and ``(2)``, ``(3)``… while the records outrun a sheet."""
    q = prepared.query
    cols = [
        LOCAL_UPDATED_AT if c.key == "updated_at" else c
        for c in entity_columns(
            entity,
            include_deleted=q.include_deleted,
            forms=forms,
            names_beside=q.labels,
            tree=prepared.tree,
        )
    ]
    widths = [_width(c) for c in cols]
    header = [c.label(q.lang) if q.labels else c.key for c in cols]
    base = SHEET_TITLES[entity][1 if q.lang == "en" else 0] if q.labels else entity
    rows: Iterator[Record] = records(conn, prepared, entity, found, names if q.labels else None)
    part = 1
    while True:
        sheet = wb.new_sheet(sheet_name(base, part), widths)
        left: list[Record] = []  # the record that did not fit, for the next sheet
        body = _rows(sheet, cols, header, q.lang, names, rows, wb, left)
        yield xlsx_member(sheet.path, sheet.xml(body))
        if not left:
            return
        rows = chain(left, rows)
        part += 1


def _rows(
    sheet: Sheet,
    cols: list[Column],
    header: list[str],
    lang: str,
    names: dict[str, str],
    rows: Iterator[Record],
    wb: _Workbook,
    left: list[Record],
) -> Iterator[str]:
    """The header row, then a row per record until the records end or the sheet is full; the
    first record that did not fit goes into ``left``."""
    yield sheet.row(header, HEAD)
    for record in rows:
        if sheet.rows >= _MAX_ROWS or sheet.size >= _MAX_SHEET_BYTES:
            left.append(record)
            return
        row, fields = record
        yield sheet.row([cell(c, row, fields, lang, names) for c in cols])
        wb.counts[(row.unit or "", row.entity)] += 1


def _width(col: Column) -> int:
    if col.type == "meta":
        return {"record_id": 38, "rev": 6, "unit": 10, "updated_at": 20}.get(col.key, 12)
    if col.type == "reference":
        return 38
    if col.type in ("text", "unit_name", "select_multiple", "reference_name"):
        return 30
    return 14


# Sheet names for people: Excel allows 31 characters, so short forms of the forms' titles.
SHEET_TITLES = {
    "residential_area": ("Khu dân cư", "Residential areas"),
    "model": ("Mô hình", "Models"),
    "visit": ("Lượt khảo sát", "Survey visits"),
    "evidence": ("Minh chứng", "Evidence"),
    "initiative": ("Sáng kiến, ý tưởng", "Initiatives"),
    "activity": ("Hoạt động", "Activities"),
}
_SUMMARY_TEXT = {
    "sheet": ("Tổng hợp", "Summary"),
    "title": ("Tổng hợp dữ liệu “Đoàn kết sáng tạo”", "“Đoàn kết sáng tạo” data summary"),
    "unit": ("Đơn vị", "Unit"),
    "generated": ("Thời điểm xuất (giờ Việt Nam)", "Exported at (Vietnam, UTC+7)"),
    "filters": ("Bộ lọc", "Filters"),
    "none": ("không", "none"),
    "code": ("Mã đơn vị", "Code"),
    "name": ("Tên đơn vị", "Name"),
    "total": ("Tổng cộng", "Total"),
    "content_area": ("Lĩnh vực", "Content area"),
    "status": ("Tình trạng mô hình", "Model status"),
    "review_state": ("Trạng thái duyệt", "Review state"),
    "from": ("Cập nhật từ ngày", "Updated from"),
    "to": ("Cập nhật đến ngày", "Updated to"),
    "plan": ("Kỳ của kế hoạch", "Plan period"),
    "include_deleted": ("Gồm bản ghi đã xoá", "Deleted records included"),
}


def _filters_text(prepared: PreparedExport, forms: FormSet) -> str:
    """The filters in the export's language, as a person reads them: ``Lĩnh vực: …; …``."""
    q = prepared.query
    i = 1 if q.lang == "en" else 0
    parts: list[str] = []
    for key, values, labels in (
        ("content_area", q.content_areas, choice_labels(forms, "model", "content_area")),
        ("status", q.statuses, choice_labels(forms, "model", "status")),
        ("review_state", q.review_states, REVIEW_LABELS),
    ):
        if values is not None:
            shown = sorted(str(label(labels, v, q.lang)) for v in values)
            parts.append(f"{_SUMMARY_TEXT[key][i]}: {', '.join(shown)}")
    for key, day in (("from", q.date_from), ("to", q.date_to)):
        if day is not None:
            parts.append(f"{_SUMMARY_TEXT[key][i]}: {day.strftime('%d/%m/%Y')}")
    if prepared.period is not None:
        start, end = (date.fromisoformat(d).strftime("%d/%m/%Y") for d in prepared.period)
        parts.append(f"{_SUMMARY_TEXT['plan'][i]}: {start} – {end}")
    if q.include_deleted:
        parts.append(_SUMMARY_TEXT["include_deleted"][i])
    return "; ".join(parts)


_SUMMARY_TOP = 6  # the summary's header row; rows and the two first columns above it frozen


def _summary_rows(
    ws: Sheet,
    prepared: PreparedExport,
    forms: FormSet,
    names: dict[str, str],
    communes: list[str],
    counts: Counter[tuple[str, str]],
) -> Iterator[str]:
    q = prepared.query
    i = 1 if q.lang == "en" else 0

    def t(key: str) -> str:
        return _SUMMARY_TEXT[key][i]

    yield ws.row([t("title")], BOLD)
    yield ws.row([t("unit"), f"{prepared.unit['name']} ({prepared.unit['code']})"])
    yield ws.row([t("generated"), in_vietnam(utc_now())])
    yield ws.row([t("filters"), _filters_text(prepared, forms) or t("none")])
    ws.skip()
    yield ws.row([t("code"), t("name"), *(entity_title(e, q.lang, forms) for e in ENTITIES)], HEAD)
    # Every commune of the subtree, those with nothing too: who has not reported shows at once.
    extra = sorted({u for u, _ in counts} - set(communes))
    for code in [*communes, *extra]:
        yield ws.row([code, names.get(code, ""), *(counts[(code, e)] for e in ENTITIES)])
    totals = [sum(n for (_, e), n in counts.items() if e == entity) for entity in ENTITIES]
    yield ws.row([None, t("total"), *totals], BOLD)
