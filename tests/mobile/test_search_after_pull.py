"""Search finds a record as soon as its pull finishes (issue 22's guarantee), against a real
server: the device's pull alone, nothing after it, then a search without diacritics."""

from __future__ import annotations

from pathlib import Path

from mobile.core.sync import SyncReport
from tests.mobile.conftest import area_values, model_values
from tests.mobile.live import PW, login_device
from tests.support import server as support


def test_search_finds_a_record_as_soon_as_its_pull_finishes(tmp_path: Path) -> None:
    with support.running_server(tmp_path, in_process=True) as srv:
        support.add_user(srv, "lan", "field_officer", support.DAK_WIL, PW)
        a = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
        area = a.records.create("residential_area", area_values("Thôn Đoàn Kết")).record_id
        for i in range(1500):  # two pages of the pull
            a.records.create("model", model_values(area, f"Mô hình chăn nuôi bò số {i}"))
        a.records.create("model", model_values(area, "Mô hình nhà lưới rau sạch Đắk Wil"))
        assert a.sync().pushed == 1502
        b = login_device(tmp_path / "b", srv.url, "lan", "dev-b")
        b.store.update_settings(pull_page_size=1000)
        client = b.api_client()
        report = SyncReport()
        b.synchronizer(client).pull(report)  # the pull only: no pass of any kind after it
        client.close()
        assert report.pulled == 1502 and report.pages == 2
        assert [i.title for i in b.records.list(search="nha luoi rau sach")] == [
            "Mô hình nhà lưới rau sạch Đắk Wil"
        ]
        found = b.records.list(search="bo so 1499")
        assert [i.title for i in found] == ["Mô hình chăn nuôi bò số 1499"]  # on the second page
        for dev in (a, b):
            dev.close()
