"""records.xlsx read back by two spreadsheet readers (openpyxl, calamine), on SQLite and PostgreSQL.

Texts a field officer may type that would break a naive writer (control characters, a formula,
Excel's own ``_x0041_`` escape), a sheet past a (lowered) row limit going on in ``(2)``, and the
download streamed: its first bytes leave before the records have all been read. The dataset is
this module's own, in Ea T'Ling (24640), pushed through a real server; the export runs through
that server, or in-process on its database where a limit is lowered or the reading is counted.
"""

from __future__ import annotations

import importlib
import io
import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from server import exports
from server.db.engine import make_engine, read_tx
from server.exports.query import ExportQuery
from server.exports.sheets import MAX_TEXT, sheet_name, text_xml
from server.exports.xlsx import SHEET_TITLES
from server.services import downloads
from server.services.auth import Principal
from shared_schema.entities import ENTITIES
from shared_schema.forms import load_default_forms
from tests.server.helpers import change, client, new_id, push, record_fields

EA_TLING = "24640"
FORMULA = "=cmd|' /C calc'!A0"
CONTROL = "Thôn\x0bĐoàn\x01Kết\x1f"
ESCAPE = "mã _x0041_ giữ nguyên"
MODELS = 5
FORMS = load_default_forms()
# the module, not the function server.exports re-exports under its name
xlsx_module = importlib.import_module("server.exports.xlsx")
ADMIN = Principal(user_id=0, username="t", role="admin", units=("67",), device_id="t")


@pytest.fixture(scope="module")
def officer(live_server: Any) -> Iterator[httpx.Client]:
    c, dev = client(live_server, "officer2")
    area = new_id()
    changes = [
        change(dev, record_fields("residential_area", EA_TLING, name=CONTROL), record_id=area)
    ]
    for i in range(MODELS):
        fields = record_fields(
            "model",
            EA_TLING,
            residential_area=area,
            name=FORMULA if i == 0 else f"Mô hình {i}",
            description=ESCAPE,
            participating_households=10 + i,
            productivity_gain_pct=2.5,
            start_date="2021-03-15",
        )
        changes.append(change(dev, fields, entity="model"))
    results = push(c, dev, changes)
    assert all(r["status"] == "applied" for r in results), results
    yield c
    c.close()


# Sheet names: the export is for people by default (headers=labels).
VI = {e: SHEET_TITLES[e][0] for e in ENTITIES} | {"summary": "Tổng hợp"}
EN = {e: SHEET_TITLES[e][1] for e in ENTITIES} | {"summary": "Summary"}
VI_SHEETS = [VI["summary"], *(VI[e] for e in ENTITIES)]


def _download(c: httpx.Client, **params: str) -> bytes:
    r = c.get("/exports/records.xlsx", params={"unit": EA_TLING, **params})
    assert r.status_code == 200, r.text
    return r.content


def _column(ws: Any, label: str) -> int:
    header = [c.value for c in ws[1]]
    return header.index(label) + 1


def test_xlsx_read_back_typed(officer: httpx.Client) -> None:
    body = _download(officer)
    wb = openpyxl.load_workbook(io.BytesIO(body))
    assert wb.sheetnames == VI_SHEETS
    ws = wb[VI["model"]]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{MODELS + 1}"
    assert ws.max_row == MODELS + 1
    assert ws.cell(1, 1).font.b and ws.cell(1, 1).value == "Mã bản ghi"
    assert ws.column_dimensions["A"].width == pytest.approx(38.71, abs=0.01)
    f = FORMS.latest("model")
    households = _column(ws, f.field("participating_households").label.vi)  # type: ignore[union-attr]
    gain = _column(ws, f.field("productivity_gain_pct").label.vi)  # type: ignore[union-attr]
    start = _column(ws, f.field("start_date").label.vi)  # type: ignore[union-attr]
    updated = _column(ws, "Cập nhật lúc (giờ Việt Nam)")
    assert sorted(ws.cell(r, households).value for r in range(2, MODELS + 2)) == [
        10,
        11,
        12,
        13,
        14,
    ]
    assert ws.cell(2, gain).value == 2.5
    assert ws.cell(2, start).value == datetime(2021, 3, 15)
    assert ws.cell(2, start).number_format == "dd/mm/yyyy"
    stamp = ws.cell(2, updated)
    assert isinstance(stamp.value, datetime) and stamp.value.year >= 2025
    assert stamp.number_format == "yyyy-mm-dd hh:mm:ss"
    # Vietnam time, as the pages show it (issue 18: the sheets were UTC): the record's
    # updated_at (UTC, in the pull) plus seven hours.
    record_id = ws.cell(2, 1).value
    pulled = {r["record_id"]: r for r in officer.get("/sync/pull").json()["records"]}
    utc_stamp = datetime.fromisoformat(pulled[record_id]["updated_at"].replace("Z", ""))
    assert abs(stamp.value - (utc_stamp + timedelta(hours=7))) < timedelta(seconds=1)
    summary = wb[VI["summary"]]
    assert summary.freeze_panes == "C7"
    rows = {r[0]: r for r in summary.iter_rows(min_row=7, values_only=True) if r[0]}
    assert rows[EA_TLING][2:] == (1, MODELS, 0, 0, 0, 0)
    assert isinstance(summary["B3"].value, datetime)

    # A second reader: calamine (Rust), the same sheets, numbers and dates.
    cal = CalamineWorkbook.from_filelike(io.BytesIO(body))
    assert cal.sheet_names == VI_SHEETS
    data = cal.get_sheet_by_name(VI["model"]).to_python()
    assert len(data) == MODELS + 1
    assert sorted(row[households - 1] for row in data[1:]) == [10, 11, 12, 13, 14]
    assert data[1][start - 1] == date(2021, 3, 15)


def test_xlsx_texts_stay_text(officer: httpx.Client) -> None:
    """Control characters are dropped (the file stays valid XML), a formula stays a text."""
    wb = openpyxl.load_workbook(io.BytesIO(_download(officer, lang="en", include_deleted="true")))
    areas = wb[EN["residential_area"]]
    name = _column(areas, FORMS.latest("residential_area").field("name").label.en)  # type: ignore[union-attr]
    assert areas.cell(2, name).value == "ThônĐoànKết"
    assert areas.cell(2, areas.max_column).value is False  # deleted: a boolean
    assert areas.cell(1, 1).value == "Record ID"
    models = wb[EN["model"]]
    col = _column(models, FORMS.latest("model").field("name").label.en)  # type: ignore[union-attr]
    cell = next(
        models.cell(r, col) for r in range(2, MODELS + 2) if models.cell(r, col).value == FORMULA
    )
    assert cell.data_type == "s"  # a string, not a formula
    described = _column(models, FORMS.latest("model").field("description").label.en)  # type: ignore[union-attr]
    cal = CalamineWorkbook.from_filelike(io.BytesIO(_download(officer)))
    data = cal.get_sheet_by_name(VI["model"]).to_python()
    assert FORMULA in [row[col - 1] for row in data]
    assert data[1][described - 1] == ESCAPE  # Excel's "_xHHHH_" escape kept as typed


def test_text_cap_and_sheet_names() -> None:
    assert text_xml("a" * (MAX_TEXT + 10)) == "a" * MAX_TEXT
    assert text_xml("<&>\x07\r") == "&lt;&amp;&gt;&#13;"
    assert sheet_name("evidence", 2) == "evidence (2)"
    assert sheet_name("a/b[c]:d*e?f\\g" + "x" * 40, 12) == "a_b_c__d_e_f_g" + "x" * 12 + " (12)"
    assert len(sheet_name("x" * 40, 3)) == 31


def _prepared(conn: Any) -> Any:
    query = ExportQuery(name="records.xlsx", unit=EA_TLING)
    return downloads.prepare(conn, ADMIN, query, plan=None)


def test_xlsx_row_limit_goes_on_in_part_2(
    officer: httpx.Client, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_module, "_MAX_ROWS", 3)  # a header and two records a sheet
    engine = make_engine(live_server.settings().db_url)
    try:
        with read_tx(engine) as conn:
            prepared = _prepared(conn)
        body = b"".join(exports.stream(engine, None, prepared))  # type: ignore[arg-type]
    finally:
        engine.dispose()
    wb = openpyxl.load_workbook(io.BytesIO(body))
    parts = [n for n in wb.sheetnames if n.startswith(VI["model"])]
    assert parts == [VI["model"], f"{VI['model']} (2)", f"{VI['model']} (3)"]  # 5 models: 2 + 2 + 1
    assert [wb[n].max_row for n in parts] == [3, 3, 2]
    assert all(wb[n].cell(1, 1).value == "Mã bản ghi" for n in parts)
    assert wb[f"{VI['model']} (3)"].auto_filter.ref is not None
    ids = [wb[n].cell(r, 1).value for n in parts for r in range(2, wb[n].max_row + 1)]
    assert len(set(ids)) == MODELS
    assert (
        wb[VI["residential_area"]].max_row == 2
        and f"{VI['residential_area']} (2)" not in wb.sheetnames
    )
    rows = {r[0]: r for r in wb[VI["summary"]].iter_rows(min_row=7, values_only=True) if r[0]}
    assert rows[EA_TLING][3] == MODELS


@pytest.mark.slow
def test_xlsx_first_bytes_before_the_records_are_read(
    officer: httpx.Client, live_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,000 models with 1,000 characters of hex each (hard to compress): more than 64 KiB of
    the download has left before half of them are read (building the workbook first would read
    them all before its first byte)."""
    c, dev = client(live_server, "officer2")
    with c:
        area = new_id()
        push(c, dev, [change(dev, record_fields("residential_area", EA_TLING), record_id=area)])
        for _ in range(2):
            batch = [
                change(
                    dev,
                    record_fields(
                        "model", EA_TLING, residential_area=area, description=os.urandom(500).hex()
                    ),
                    entity="model",
                )
                for _ in range(1000)
            ]
            assert all(r["status"] == "applied" for r in push(c, dev, batch))
    read = 0

    def counted(*args: Any) -> Iterator[Any]:
        nonlocal read
        for record in records(*args):
            read += 1
            yield record

    records = xlsx_module.records
    monkeypatch.setattr(xlsx_module, "records", counted)
    engine = make_engine(live_server.settings().db_url)
    try:
        with read_tx(engine) as conn:
            prepared = _prepared(conn)
        chunks = exports.stream(engine, None, prepared)  # type: ignore[arg-type]
        sent = [(read, len(chunk)) for chunk in chunks]  # records read when each chunk left
    finally:
        engine.dispose()
    total = read
    assert total >= 2000 + MODELS
    early = sum(n for read_then, n in sent if read_then < total / 2)
    assert early > 64 * 1024, (early, sent[:5], total)
