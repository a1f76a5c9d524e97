"""Issue 18: on a phone (390 px) the record's history, the users page and the set-up QR code fit
the screen, their actions in reach; a mistyped page is the pages' own 404, and they have an icon."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.web.conftest import Site, log_in, shot

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(
        base_url=site.url, viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url}: {width} px wide"


def test_a_record_with_its_history_fits_a_phone(phone: Any, site: Site) -> None:
    log_in(phone, "commune")
    phone.goto(f"/web/records/{site.conflict_record}")
    _fits(phone)
    card = phone.locator("table.history tr").last.bounding_box()
    assert card is not None and card["height"] < 400  # a card, not a column of letters
    shot(phone, "record-phone")


def test_the_users_page_and_the_qr_fit_a_phone_with_their_actions(phone: Any, site: Site) -> None:
    log_in(phone, "district")
    phone.goto("/web/admin/users")
    _fits(phone)
    button = phone.locator("tr[data-user='officer'] form[action$='/password'] button")
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shot(phone, "admin-users-phone")
    phone.goto("/web/admin/users/officer/qr")
    _fits(phone)
    shot(phone, "admin-qr-phone")


def test_a_mistyped_page_is_a_styled_404_and_pages_have_an_icon(page: Any, site: Site) -> None:
    log_in(page, "commune")
    r = page.goto("/web/recrods")
    assert r is not None and r.status == 404
    assert "text/html" in r.headers["content-type"]
    assert page.locator("article.error h1").inner_text() == "Không tìm thấy trang này."
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon is not None and httpx.get(site.url + icon).status_code == 200
    assert httpx.get(site.url + "/favicon.ico", follow_redirects=True).status_code == 200
    # The API keeps its JSON.
    api = httpx.get(site.url + "/api/v1/nothing-here")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
