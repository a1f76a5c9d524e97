"""Issue 19, the words of the new map: the demo as `dkst demo` loads it (Tỉnh Lâm Đồng on the
current tree) seen by its province staff, and the old map's words on the Cư Jút site.
Screenshots: ``new-map-*.png`` in ``docs/screenshots/web/last-run/``."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.server import LiveServer, running_server
from tests.web.conftest import Site, log_in, shot


@pytest.fixture(scope="module")
def new_map(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    """A server on which `dkst demo` ran, and the demo users' passwords it printed."""
    from server.db.engine import make_engine
    from server.services.demo import load_demo

    with running_server(tmp_path_factory.mktemp("new-map"), units_under=()) as srv:
        engine = make_engine(srv.settings().db_url)
        try:
            lines = list(load_demo(engine, srv.settings()))
        finally:
            engine.dispose()
        passwords = {
            p[0]: p[3]
            for p in (line.split() for line in lines)
            if len(p) > 3 and p[1] in ("district_staff", "commune_staff", "field_officer", "admin")
        }
        yield srv, passwords


@pytest.fixture
def tab(browser: Any, new_map: tuple[LiveServer, dict[str, str]]) -> Iterator[Any]:
    srv, _ = new_map
    context = browser.new_context(
        base_url=srv.url,
        viewport={"width": 1280, "height": 860},
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _model_id() -> str:
    from server.services.demo import demo_id

    return demo_id("model-phan-vi-sinh")


def test_province_staff_see_the_new_map_in_its_words(
    tab: Any, new_map: tuple[LiveServer, dict[str, str]]
) -> None:
    _srv, passwords = new_map
    log_in(tab, "tinh", passwords["tinh"])
    assert tab.locator("header .who .title").inner_text() == "Cán bộ MTTQ tỉnh"
    tab.goto("/web/?unit=68")
    table = tab.locator("main").inner_text()
    assert "Xã Đắk Wil" in table and "Xã Cư Jút" in table and "Huyện" not in table
    shot(tab, "new-map-dashboard-province", full_page=False)

    tab.goto(f"/web/records/{_model_id()}")
    rows = {
        r.locator("th").inner_text(): r.locator("td").inner_text()
        for r in tab.locator("table.fields tr").all()
    }
    assert rows["Xã, phường, đặc khu"] == "Xã Đắk Wil (24646)"
    assert "Xã, phường, thị trấn" not in rows
    shot(tab, "new-map-record")

    tab.goto("/web/admin/users")
    titles = {
        r.get_attribute("data-user"): r.locator("td").nth(1).inner_text()
        for r in tab.locator("table.users tbody tr").all()
    }
    assert titles["mttq.cujut"] == "Cán bộ MTTQ xã"
    assert titles["canbo.namdong"] == "Cán bộ hiện trường"
    assert "tinh" not in titles or titles["tinh"] == "Cán bộ MTTQ tỉnh"
    picker = tab.locator(".add-user select[name=role] option").all_inner_texts()
    assert "Cán bộ MTTQ xã, phường, đặc khu" in picker
    shot(tab, "new-map-users")

    tab.goto("/web/plans")
    issuers = tab.locator(".plan-form select[name=unit] option").all_inner_texts()
    assert issuers == ["Ban Thường trực Ủy ban MTTQ tỉnh Lâm Đồng"]

    tab.goto("/web/lang/en?next=/web/")
    assert tab.locator("header .who .title").inner_text() == "Province Front staff"
    tab.goto("/web/lang/vi?next=/web/")


def test_the_exports_headers_name_the_new_communes(
    new_map: tuple[LiveServer, dict[str, str]],
) -> None:
    srv, passwords = new_map
    with httpx.Client(base_url=srv.api) as c:
        r = c.post(
            "/auth/token",
            data={
                "username": "mttq.dakwil",
                "password": passwords["mttq.dakwil"],
                "device_id": "x",
            },
        )
        c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        r = c.get("/exports/records.csv.zip", params={"unit": "24646", "headers": "labels"})
        assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        header = next(csv.reader(io.StringIO(z.read("model.csv").decode("utf-8-sig"))))
    assert header[2] == "Mã xã, phường, đặc khu" and "Tên xã, phường, đặc khu" in header


def test_the_old_map_keeps_its_words(page: Any, site: Site) -> None:
    """The Cư Jút site is on the legacy tree: a district's staff, "Xã, phường, thị trấn"."""
    log_in(page, "district")
    assert page.locator("header .who .title").inner_text() == "Cán bộ MTTQ huyện"
    page.goto(f"/web/records/{site.conflict_record}")
    labels = page.locator("table.fields th").all_inner_texts()
    assert "Xã, phường, thị trấn" in labels and "Xã, phường, đặc khu" not in labels
