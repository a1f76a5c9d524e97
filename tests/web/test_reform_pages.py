"""Issue 19's pages in a real browser on a Cư Jút server reformed by ``dkst units reform``: the
choices to check and a move from them, a reformed record with its old unit, and the summary by
the units before 1 July 2025. Screenshots: ``reform-choices``, ``reform-record``,
``reform-summary``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.reform.scenario import CU_JUT, DAK_WIL, EA_PO, NAM_DONG, World, reformed_world, stored
from tests.web.conftest import shot


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with reformed_world(tmp_path_factory.mktemp("reform-web"), None) as w:
        yield w


def _page(browser: Any, w: World, username: str) -> Any:
    context = browser.new_context(
        base_url=w.srv.url,
        viewport={"width": 1280, "height": 860},
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto("/web/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/web/login'] button[type=submit]")
    page.wait_for_load_state()
    return page


def test_the_choices_page_moves_a_district_record(browser: Any, world: World) -> None:
    page = _page(browser, world, "district")
    try:
        page.click("#nav-reform")
        page.wait_for_selector("table.reform-choices")
        assert page.locator("h1").inner_text() == "Sắp xếp đơn vị 2025 — cần kiểm tra"
        row = page.locator(f"tr[data-record='{world.models[CU_JUT]}']")
        assert "Huyện Cư Jút" in row.inner_text()
        assert "Cấp huyện kết thúc" in row.inner_text()
        shot(page, "reform-choices")
        # Placed in Xã Cư Jút (its district town's new commune); moved to Xã Nam Dong.
        row.locator("select[name=unit]").select_option(NAM_DONG)
        row.locator("button[type=submit]").click()
        page.wait_for_selector("p.notice")
        assert "Đã chuyển hồ sơ" in page.locator("p.notice").inner_text()
        assert stored(world.srv, world.models[CU_JUT]) == (NAM_DONG, 3)
        assert (
            "Xã Nam Dong" in page.locator(f"tr[data-record='{world.models[CU_JUT]}']").inner_text()
        )
    finally:
        page.context.close()


def test_a_reformed_record_and_the_old_grouping(browser: Any, world: World) -> None:
    page = _page(browser, world, "commune_wil")
    try:
        page.goto(f"/web/records/{world.models[EA_PO]}")
        before = page.locator("#before-2025").inner_text()
        assert before == "Trước 1/7/2025: Xã Ea Pô (24646), Huyện Cư Jút"
        assert "Sắp xếp đơn vị hành chính 2025" in page.locator("table.history").inner_text()
        shot(page, "reform-record")

        page.goto(f"/web/?unit={DAK_WIL}")
        page.select_option("#grouping", "before_2025")
        page.click("form.filters button[type=submit]")
        page.wait_for_selector("table.old-districts")
        table = page.locator("table.summary").first.inner_text()
        assert "Xã Ea Pô (24646)" in table and "Xã Đắk Wil (24643)" in table
        assert "Huyện Cư Jút" in page.locator("table.old-districts").inner_text()
        shot(page, "reform-summary")
    finally:
        page.context.close()


def test_screenshots_are_written() -> None:
    from tests.web.conftest import SHOTS

    for name in ("reform-choices", "reform-record", "reform-summary"):
        assert Path(SHOTS / f"{name}.png").stat().st_size > 10_000, name
