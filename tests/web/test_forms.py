"""The forms page (issue 20): an administrator uploads a hand-written XLSForm, reads its
questions in Vietnamese and its difference from the version in use, publishes it; a refused
workbook lists its rows; a forged definition is refused; district staff only read and download."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.support.xlsforms import CONTEST_ID, contest_form, workbook
from tests.web.conftest import Site, log_in, shot


def _upload(page: Any, tmp_path: Path, data: bytes, unit: str = "662") -> None:
    path = tmp_path / "hoi_thi.xlsx"
    path.write_bytes(data)
    page.goto("/web/forms")
    page.set_input_files(".publish-form input[type=file]", str(path))
    page.select_option(".publish-form select[name=unit]", unit)
    page.click(".publish-form button[type=submit]")


def test_upload_preview_diff_and_publish(page: Any, site: Site, tmp_path: Path) -> None:
    log_in(page, "admin")
    _upload(page, tmp_path, contest_form(version=10))
    page.wait_for_selector(".preview")
    text = page.locator(".preview").inner_text()
    assert "Hội thi “Tay nghề giỏi”, “Bàn tay vàng”" in text
    assert (
        "Số người dự thi" in text and "Giải khuyến khích" in text
    )  # fields and choices, in Vietnamese
    assert "Chỉ hiện khi" in text and "số nguyên" in text
    assert page.locator("ul.diff li.added").count() >= 4
    assert page.locator("ul.diff li.removed").count() >= 1
    assert "dkst_activity v2" in page.locator(".preview h3").first.inner_text()
    page.locator(".preview").scroll_into_view_if_needed()
    shot(page, "forms-preview", full_page=True)

    page.click(".preview button[type=submit]")
    page.wait_for_selector(".notice")
    assert f"{CONTEST_ID} v10" in page.locator(".notice").inner_text()
    assert page.locator(f"a[href='/web/forms/{CONTEST_ID}/10/xlsx']").count() == 1
    shot(page, "forms-list")
    api = site.api("officer", "forms-web-officer")
    assert api.get(f"/forms/{CONTEST_ID}/10").status_code == 200


def test_a_refused_workbook_lists_its_rows(page: Any, site: Site, tmp_path: Path) -> None:
    log_in(page, "admin")
    bad = workbook(
        [
            ["type", "name", "label::Vietnamese (vi)", "relevant"],
            ["integer", "a", "Câu A", ""],
            ["begin_repeat", "r", "Lặp", ""],
            ["end_repeat", "", "", ""],
            ["text", "b", "Câu B", "today() > ${a}"],
        ],
        settings={"form_id": "sai", "version": "60", "entity": "activity"},
    )
    _upload(page, tmp_path, bad)
    page.wait_for_selector(".refused")
    rows = page.locator(".refused table.problems tbody tr")
    assert rows.count() == 2
    assert "3" in rows.nth(0).inner_text() and "type" in rows.nth(0).inner_text()
    assert "today" in rows.nth(1).inner_text()
    shot(page, "forms-refused")


def test_a_forged_definition_is_refused(page: Any, site: Site) -> None:
    log_in(page, "admin")
    page.goto("/web/forms")
    csrf = page.locator("input[name=csrf]").first.input_value()
    r = page.request.post(
        "/web/forms/publish",
        form={"csrf": csrf, "unit": "662", "definition": '{"form_id": "x"}', "seal": "0" * 64},
    )
    assert r.status == 403
    upload = {
        "name": "f.xlsx",
        "mimeType": "application/octet-stream",
        "buffer": contest_form(version=70),
    }
    r = page.request.post("/web/forms/preview", multipart={"unit": "662", "file": upload})
    assert r.status == 403  # no CSRF token: nothing is converted
    r = page.request.post(
        "/web/forms/preview", multipart={"csrf": "0" * 40, "unit": "662", "file": upload}
    )
    assert r.status == 403


def test_district_staff_read_and_download_but_do_not_publish(page: Any, site: Site) -> None:
    log_in(page, "district")
    page.goto("/web/forms")
    assert page.locator(".publish-form").count() == 0
    with page.expect_download() as got:
        page.click("a[href='/web/forms/dkst_model/1/xlsx']")
    wb = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()))
    assert wb.sheetnames == ["survey", "choices", "settings"]
    csrf = page.locator("input[name=csrf]").first.input_value()
    r = page.request.post("/web/forms/preview", multipart={"csrf": csrf, "unit": "662"})
    assert r.status == 403
