"""Administration within a subtree: users (add, reset password, revoke), devices, the QR code."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.web.conftest import PASSWORD, Site, log_in, shot


def _token(site: Site, username: str, password: str, device: str) -> httpx.Response:
    return httpx.post(
        site.srv.api + "/auth/token",
        data={"username": username, "password": password, "device_id": device},
    )


def test_add_user_reset_password_qr_and_revoke(page: Any, site: Site) -> None:
    log_in(page, "district")
    page.goto("/web/admin/users")
    page.fill(".add-user input[name=username]", "canbo.eatling")
    page.fill(".add-user input[name=password]", "mật-khẩu-đầu-tiên")
    page.select_option(".add-user select[name=role]", "field_officer")
    page.select_option(".add-user select[name=unit]", "24640")
    page.click(".add-user button[type=submit]")
    page.wait_for_selector("tr[data-user='canbo.eatling']")
    assert _token(site, "canbo.eatling", "mật-khẩu-đầu-tiên", "p1").status_code == 200
    assert page.locator("tr[data-user='admin']").count() == 0  # the province's admin: not inside
    shot(page, "admin-users")

    row = page.locator("tr[data-user='canbo.eatling']")
    row.locator("input[name=password]").fill("mật-khẩu-mới-dài")
    row.locator("button", has_text="Đặt lại mật khẩu").click()
    page.wait_for_selector(".notice")
    assert _token(site, "canbo.eatling", "mật-khẩu-đầu-tiên", "p1").status_code == 401
    assert _token(site, "canbo.eatling", "mật-khẩu-mới-dài", "p1").status_code == 200

    page.goto("/web/admin/users/canbo.eatling/qr")
    payload = json.loads(page.locator("#qr-payload").inner_text())
    assert payload["username"] == "canbo.eatling" and payload["server"] == site.url
    assert "mật" not in json.dumps(payload, ensure_ascii=False)  # never a secret
    assert page.locator(".qr svg").count() == 1
    shot(page, "admin-qr")

    page.goto("/web/admin/users")
    page.locator("tr[data-user='canbo.eatling'] button", has_text="Thu hồi").click()
    page.wait_for_selector(".notice")
    assert _token(site, "canbo.eatling", "mật-khẩu-mới-dài", "p1").json()["error"]["code"] == (
        "account_disabled"
    )


def test_devices_within_the_subtree(page: Any, site: Site) -> None:
    log_in(page, "district")
    page.goto("/web/admin/devices")
    assert page.locator("tr[data-device='phone-1']").count() == 1
    assert page.locator("tr[data-device='phone-mil']").count() == 0  # used in Đắk Mil only
    shot(page, "admin-devices")
    r = page.request.post("/web/admin/devices/phone-mil/revoke", form={"csrf": _csrf(page)})
    assert r.status == 404
    r = page.request.post("/web/admin/users/officer_mil/revoke", form={"csrf": _csrf(page)})
    assert r.status == 404


def _csrf(page: Any) -> str:
    return str(page.locator("input[name=csrf]").first.input_value())


def test_revoking_a_web_session_takes_effect_at_once(browser: Any, page: Any, site: Site) -> None:
    other = browser.new_context(base_url=site.url)
    p2 = other.new_page()
    try:
        log_in(p2, "officer")
        assert p2.url.endswith("/web/")
        log_in(page, "district")
        page.goto("/web/admin/devices")
        page.locator("tr[data-device='web:officer'] button").click()
        page.wait_for_selector(".notice")
        p2.goto("/web/records")
        assert "/web/login" in p2.url
        log_in(p2, "officer")  # the web device is revoked for this user: no new session either
        assert "/web/login" in p2.url
        assert p2.locator("article.login .warning").count() == 1
    finally:
        other.close()


def test_commune_staff_have_no_administration(page: Any, site: Site) -> None:
    log_in(page, "commune")
    assert page.locator("header a[href='/web/admin/users']").count() == 0
    r = page.goto("/web/admin/users")
    assert r is not None and r.status == 403
    # The officer's own password stays what it was (nobody reset it).
    assert _token(site, "officer", PASSWORD, "phone-1").status_code == 200
