"""Issue 16: a form posted from another site changes nothing, in a real browser.

A cross-site POST arrives without the session cookie (SameSite=Lax), so the server answers with
the login page and keeps the posted fields. Before, the victim's login re-posted them with a fresh
CSRF token: an administrator created the attacker's administrator, commune staff approved a
record. Now such fields are only shown, on a page that asks; nothing is sent unless the victim
presses "send". The attacker's page is served from ``localhost``, another site than the staff
web's ``127.0.0.1``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.web.conftest import MODEL, PASSWORD, Site, log_in, shot


class _Evil:
    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = owner.pages.get(self.path, "").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}"

    def form(self, name: str, action: str, fields: dict[str, str]) -> str:
        inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
        self.pages[f"/{name}"] = (
            f'<html><body><form id="f" method="post" action="{action}">{inputs}</form>'
            "<script>document.getElementById('f').submit()</script></body></html>"
        )
        return f"{self.url}/{name}"


@pytest.fixture(scope="module")
def evil() -> Iterator[_Evil]:
    e = _Evil()
    thread = threading.Thread(target=e.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield e
    finally:
        e.server.shutdown()


def _exists(site: Site, username: str, password: str) -> bool:
    r = httpx.post(
        site.srv.api + "/auth/token",
        data={"username": username, "password": password, "device_id": "check"},
    )
    return r.status_code == 200


def _login_again(page: Any, username: str) -> None:
    page.wait_for_selector("article.login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action='/web/login'] button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("logged_in", [True, False], ids=["logged-in", "logged-out"])
def test_a_cross_site_admin_form_creates_nobody(
    page: Any, site: Site, evil: _Evil, logged_in: bool
) -> None:
    if logged_in:
        log_in(page, "admin")
    attacker = f"attacker{uuid.uuid4().hex[:6]}"
    fields = {"username": attacker, "password": "attacker-password", "role": "admin", "unit": "67"}
    page.goto(evil.form(attacker, f"{site.url}/web/admin/users", fields))
    _login_again(page, "admin")
    # Not sent: a page says what would be sent, and asks.
    page.wait_for_selector("article.repost-confirm")
    text = page.inner_text("article.repost-confirm")
    assert attacker in text and "attacker-password" not in text
    assert not _exists(site, attacker, "attacker-password")
    page.wait_for_timeout(500)  # no script sends it behind the user's back
    assert not _exists(site, attacker, "attacker-password")
    shot(page, "repost-confirm")
    page.click("article.repost-confirm a[role=button]")  # "Do not send"
    page.wait_for_load_state()
    assert not _exists(site, attacker, "attacker-password")


def test_a_cross_site_review_changes_no_record(page: Any, site: Site, evil: _Evil) -> None:
    log_in(page, "commune")
    before = page.goto(f"/web/records/{MODEL}")
    assert before is not None and before.status == 200
    fields = {"decision": "approved", "comment": "duyệt bởi trang lạ"}
    page.goto(evil.form("review", f"{site.url}/web/records/{MODEL}/review", fields))
    _login_again(page, "commune")
    page.wait_for_selector("article.repost-confirm")
    with site.api("officer", "phone-cross") as c:
        records = c.get("/sync/pull").json()["records"]
    model = next(r for r in records if r["record_id"] == MODEL)
    assert model["fields"].get("review_comment") != "duyệt bởi trang lạ"


def test_the_users_own_form_is_sent_once_confirmed(page: Any, site: Site) -> None:
    """A form of the user's own whose session cookie is gone (a browser that dropped it) is kept
    and can still be sent, by the user's own click."""
    log_in(page, "admin")
    page.goto("/web/admin/users")
    name = f"kept{uuid.uuid4().hex[:6]}"
    page.fill("form.add-user input[name=username]", name)
    page.fill("form.add-user input[name=password]", PASSWORD)
    page.context.clear_cookies()
    page.click("form.add-user button[type=submit]")
    _login_again(page, "admin")
    page.wait_for_selector("article.repost-confirm")
    assert not _exists(site, name, PASSWORD)
    page.click("#repost-confirm button[type=submit]")
    page.wait_for_selector(".notice")
    assert _exists(site, name, PASSWORD)
