"""``records.xlsx``: a ``summary`` sheet (records per commune and entity), then a sheet per entity.

The sheets, read by people, carry the labels in the export's language as their one header row
(frozen, with autofilter); numbers and dates are real cells, every text a plain string (never a
formula). XlsxWriter cannot stream, so the workbook is built in constant-memory mode into a
temporary file under ``<data_dir>/tmp`` and then sent; its first byte comes once it is built, and
the file is removed when the response ends or is cut. A sheet past Excel's row limit goes on in
``<entity> (2)``.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy import Engine, Row

from server import store
from server.clock import utc_now
from server.exports.columns import Column, cell, entity_columns, entity_title
from server.exports.filters import links
from server.exports.query import PreparedExport
from server.exports.rows import records, snapshot
from server.exports.zips import READ_BLOCK
from shared_schema.entities import ENTITIES
from shared_schema.forms import FormSet, load_default_forms

_MAX_ROWS = 1_048_576  # Excel's limit per sheet: more rows go on to "<entity> (2)"


def xlsx(engine: Engine, prepared: PreparedExport, tmp_dir: Path) -> Iterator[bytes]:
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="export-", suffix=".xlsx", dir=tmp_dir)
    os.close(fd)
    path = Path(name)
    try:
        _write_xlsx(engine, prepared, path, tmp_dir)
        with open(path, "rb") as f:
            while block := f.read(READ_BLOCK):
                yield block
    finally:
        path.unlink(missing_ok=True)


class _Sheets:
    """A workbook's cell formats, and writing one typed value into a cell."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        self.date = wb.add_format({"num_format": "dd/mm/yyyy"})
        self.stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.bold = wb.add_format({"bold": True})

    def put(self, ws: Any, r: int, c: int, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            ws.write_boolean(r, c, value)
        elif isinstance(value, int | float):
            ws.write_number(r, c, value)
        elif isinstance(value, datetime):
            ws.write_datetime(r, c, value, self.stamp)
        elif isinstance(value, date):
            ws.write_datetime(r, c, value, self.date)
        else:
            # write_string, never write(): a text starting with "=" stays text, not a formula.
            ws.write_string(r, c, str(value)[:32767])


def _width(col: Column) -> int:
    if col.type == "meta":
        return {"record_id": 38, "rev": 6, "unit": 10, "updated_at": 20}.get(col.key, 12)
    if col.type == "reference":
        return 38
    if col.type in ("text", "unit_name", "select_multiple"):
        return 30
    return 14


def _write_xlsx(engine: Engine, prepared: PreparedExport, path: Path, tmp_dir: Path) -> None:
    q = prepared.query
    forms = load_default_forms()
    wb = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "tmpdir": str(tmp_dir), "strings_to_numbers": False}
    )
    sheets = _Sheets(wb)
    summary = wb.add_worksheet("summary")  # first tab; written last, when the counts are known
    counts: Counter[tuple[str, str]] = Counter()
    try:
        with snapshot(engine) as conn:
            names = store.units.names_under(conn, prepared.unit_code)
            communes = store.units.communes_under(conn, prepared.unit_code)
            found = links(conn, prepared)
            for entity in ENTITIES:
                cols = entity_columns(entity, include_deleted=q.include_deleted, forms=forms)
                rows = records(conn, prepared, entity, found)
                part = 1
                while True:
                    title = entity if part == 1 else f"{entity} ({part})"
                    done = _write_sheet(
                        wb.add_worksheet(title), sheets, cols, q.lang, names, rows, counts
                    )
                    if done:
                        break
                    part += 1
        _write_summary(summary, sheets, prepared, forms, names, communes, counts)
    finally:
        wb.close()


def _write_sheet(
    ws: Any,
    sheets: _Sheets,
    cols: list[Column],
    lang: str,
    names: dict[str, str],
    rows: Iterator[tuple[Row[Any], dict[str, Any]]],
    counts: Counter[tuple[str, str]],
) -> bool:
    """Fill one sheet; False when Excel's row limit stopped it before the records ran out."""
    for c, col in enumerate(cols):
        ws.set_column(c, c, _width(col))
        ws.write_string(0, c, col.label(lang), sheets.head)
    ws.freeze_panes(1, 0)
    r = 0
    for row, fields in rows:
        r += 1
        for c, col in enumerate(cols):
            sheets.put(ws, r, c, cell(col, row, fields, lang, names))
        counts[(row.unit or "", row.entity)] += 1
        if r == _MAX_ROWS - 1:
            ws.autofilter(0, 0, r, len(cols) - 1)
            return False
    ws.autofilter(0, 0, r, len(cols) - 1)
    return True


_SUMMARY_TEXT = {
    "title": ("Tổng hợp dữ liệu “Đoàn kết sáng tạo”", "“Đoàn kết sáng tạo” data summary"),
    "unit": ("Đơn vị", "Unit"),
    "generated": ("Thời điểm xuất (UTC)", "Exported at (UTC)"),
    "filters": ("Bộ lọc", "Filters"),
    "none": ("không", "none"),
    "code": ("Mã đơn vị", "Code"),
    "name": ("Tên đơn vị", "Name"),
    "total": ("Tổng cộng", "Total"),
}


def _write_summary(
    ws: Any,
    sheets: _Sheets,
    prepared: PreparedExport,
    forms: FormSet,
    names: dict[str, str],
    communes: list[str],
    counts: Counter[tuple[str, str]],
) -> None:
    q = prepared.query
    i = 1 if q.lang == "en" else 0

    def t(key: str) -> str:
        return _SUMMARY_TEXT[key][i]

    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 1 + len(ENTITIES), 14)
    ws.write_string(0, 0, t("title"), sheets.bold)
    ws.write_string(1, 0, t("unit"))
    ws.write_string(1, 1, f"{prepared.unit['name']} ({prepared.unit['code']})")
    ws.write_string(2, 0, t("generated"))
    ws.write_datetime(2, 1, utc_now(), sheets.stamp)
    ws.write_string(3, 0, t("filters"))
    ws.write_string(3, 1, q.filters_text() or t("none"))
    top = 5
    header = [t("code"), t("name")] + [entity_title(e, q.lang, forms) for e in ENTITIES]
    for c, text in enumerate(header):
        ws.write_string(top, c, text, sheets.head)
    # Every commune of the subtree, those with nothing too: who has not reported shows at once.
    extra = sorted({u for u, _ in counts} - set(communes))
    r = top
    for code in [*communes, *extra]:
        r += 1
        ws.write_string(r, 0, code)
        ws.write_string(r, 1, names.get(code, ""))
        for c, entity in enumerate(ENTITIES, start=2):
            ws.write_number(r, c, counts[(code, entity)])
    r += 1
    ws.write_string(r, 1, t("total"), sheets.bold)
    for c, entity in enumerate(ENTITIES, start=2):
        ws.write_number(r, c, sum(n for (_, e), n in counts.items() if e == entity), sheets.bold)
    ws.freeze_panes(top + 1, 2)
