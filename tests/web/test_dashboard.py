"""Dashboard with its charts, the map, downloads in each format, the language switch, a phone."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import openpyxl

from tests.web.conftest import Site, log_in, shot


def test_dashboard_rows_charts_and_filter(page: Any, site: Site) -> None:
    log_in(page, "district")
    assert page.url.endswith("/web/")
    for chart in ("content", "status", "trend"):
        page.wait_for_selector(f"#chart-{chart}[data-ready='1']")
    table = page.locator("table.summary").inner_text()
    assert "Xã Đắk Wil" in table and "Thị trấn Ea T'Ling" in table
    rows = page.locator("table.summary tbody tr")
    assert rows.count() == 9  # Cư Jút's 8 communes and the district's own records
    assert "Của đơn vị" in rows.last.inner_text()
    shot(page, "dashboard")
    page.select_option("select[name=unit]", "24643")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#chart-content[data-ready='1']")
    assert "Xã Đắk Wil" in page.locator("h1").inner_text()
    areas = page.locator("table.summary tbody").inner_text()
    assert "Thôn 3" in areas and "Buôn Trum" in areas  # a commune's rows are its residential areas


def test_map_shows_points_without_tiles(page: Any, site: Site) -> None:
    log_in(page, "district")
    page.goto("/web/map")
    page.wait_for_selector("#map[data-ready='1']")
    assert int(page.get_attribute("#map", "data-points") or 0) == 3
    assert page.locator("path.model-point").count() == 3
    assert page.locator(".leaflet-tile").count() == 0  # no tile source: points alone
    page.locator("path.model-point").first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content a")
    shot(page, "map", full_page=False)


def _download(page: Any, name: str) -> bytes:
    with page.expect_download() as info:
        page.click(f".downloads a[href*='{name}']")
    path = info.value.path()
    return bytes(open(path, "rb").read())


def test_downloads_in_every_format_with_the_filters(page: Any, site: Site) -> None:
    log_in(page, "district")
    page.goto("/web/records?unit=24643&content_area=2&status=operating")
    data = _download(page, "records.csv.zip")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        models = list(csv.DictReader(io.StringIO(z.read("model.csv").decode("utf-8-sig"))))
    assert [m["name"] for m in models] == [
        "Sản xuất phân vi sinh phục vụ chăm bón cho cây trồng trong nhà lưới"
    ]

    data = _download(page, "records.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert len(wb.sheetnames) >= 7
    assert wb.sheetnames[:3] == ["Tổng hợp", "Khu dân cư", "Mô hình"]  # for people, in Vietnamese

    data = _download(page, "models.geojson")
    fc = json.loads(data)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1
    assert fc["features"][0]["geometry"]["type"] == "Point"

    data = _download(page, "media.zip")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert any(n.endswith(".png") for n in z.namelist())


def test_english_switch_and_phone_width(browser: Any, site: Site) -> None:
    ctx = browser.new_context(
        base_url=site.url, viewport={"width": 390, "height": 844}, is_mobile=True, locale="vi-VN"
    )
    page = ctx.new_page()
    try:
        log_in(page, "commune")
        page.wait_for_selector("#chart-status[data-ready='1']")
        shot(page, "dashboard-phone")
        page.click("a[hreflang=en]")
        page.wait_for_selector("#chart-status[data-ready='1']")
        assert "Dashboard" in page.locator("h1").inner_text()
        assert "Records" in page.locator("header").inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400  # nothing wider than the phone (wide tables scroll in their box)
    finally:
        ctx.close()


def test_vendor_packages_are_served_by_the_app(page: Any, site: Site) -> None:
    for path in (
        "/web/vendor/chart.js/dist/chart.umd.min.js",
        "/web/vendor/leaflet/dist/leaflet.js",
        "/web/vendor/@picocss/pico/css/pico.min.css",
    ):
        r = page.request.get(path)
        assert r.status == 200, f"{path}: run ./dev (npm ci in server/web)"
