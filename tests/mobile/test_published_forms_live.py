"""A form a province publishes as an XLSForm reaches the field device with no new code (issue 20):
a hand-written XLSForm (openpyxl, not the project's writer) is published; the device's next sync
picks it up by the forms' ETag; the device core fills it (the newest version of its entity, as
the app's screens ask), with the shared validation; it syncs; and it is in the XLSX download."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.mobile.live import PW, login_device
from tests.support import server as support
from tests.support.xlsforms import CONTEST_ID, contest_form

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Any]:
    with support.running_server(tmp_path, in_process=True) as s:
        support.add_users(
            s,
            [
                ("lan", "field_officer", support.DAK_WIL),
                ("hoa", "field_officer", support.DAK_LAO),  # Đắk Mil: another district
                ("quan", "admin", "67"),
                ("cujut", "district_staff", "662"),
            ],
            PW,
        )
        yield s


def test_a_hand_written_xlsform_is_published_filled_synced_and_exported(
    srv: Any, tmp_path: Path
) -> None:
    lan = login_device(tmp_path / "lan", srv.url, "lan", "phone-lan")
    hoa = login_device(tmp_path / "hoa", srv.url, "hoa", "phone-hoa")
    lan.sync()
    hoa.sync()
    assert lan.forms.latest("activity").form_id == "dkst_activity"

    admin = support.login(srv, "quan", PW, "laptop-quan")
    r = admin.post(
        "/forms", params={"unit": "662"}, content=contest_form(), headers={"Content-Type": XLSX}
    )
    assert r.status_code == 201, r.text

    assert lan.sync().forms_added == 1  # the ETag changed for Cư Jút's devices
    assert hoa.sync().forms_added == 0  # and not for Đắk Mil's
    form = lan.forms.latest("activity")
    assert (form.form_id, form.version) == (CONTEST_ID, 10)
    assert hoa.forms.latest("activity").form_id == "dkst_activity"

    # The shared validation of the published version, on the device: required, limits, skip logic.
    bad = lan.records.create(
        "activity",
        {"kind": "conference", "title": "Hội thi", "date": "2016-01-01", "contestants": 0},
    )
    assert not bad.finalized
    assert {i.field for i in bad.issues} >= {"date", "contestants"}
    saved = lan.records.create(
        "activity",
        {
            "kind": "conference",
            "title": "Hội thi “Bàn tay vàng” xã Đắk Wil",
            "date": "2024-05-19",
            "contestants": 42,
            "prizes": ["first", "encouragement"],
            "winner": "Nguyễn Thị Hoa",
            "budget_million": 12.5,
        },
    )
    assert saved.finalized, saved.issues
    report = lan.sync()
    assert report.pushed >= 1 and not report.rejected, report

    district = support.login(srv, "cujut", PW, "laptop-cujut")
    x = district.get("/exports/records.xlsx", params={"unit": "662"})
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.content), read_only=True)
    sheet = next(ws for ws in wb.worksheets if "Hoạt động" in ws.title)
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    row = next(r for r in rows[1:] if "Nguyễn Thị Hoa" in r)
    assert row[header.index("Số người dự thi")] == 42
    assert row[header.index("Mã biểu mẫu")] == CONTEST_ID
    for dev in (lan, hoa):
        dev.close()
