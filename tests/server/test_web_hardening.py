"""Issue 16's smaller findings on the staff web and the login, through real HTTP: the web's own
device ids, HEAD on pages, what /web/vendor serves, the set-up QR's address, the
Content-Security-Policy, cookies over https, and messages shown only by code."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.server.helpers import error_code
from tests.server.test_admin_roles import WebSession
from tests.support.server import add_user


def _token(srv: Any, username: str, device: str) -> httpx.Response:
    return httpx.post(
        srv.api + "/auth/token",
        data={"username": username, "password": PASSWORD, "device_id": device},
        timeout=60,
    )


# ---------------------------------------------------------------------------- web: device ids
@pytest.mark.parametrize("device", ["web:commune", "web:officer", "web:", "web:x:y"])
def test_the_webs_device_ids_are_refused_at_the_api(live_server: Any, device: str) -> None:
    r = _token(live_server, "officer", device)
    assert r.status_code == 400 and error_code(r) == "invalid_request", r.text


def test_each_user_has_a_web_device_of_their_own(live_server: Any) -> None:
    from server.db.engine import make_engine, read_tx
    from server.services.auth import list_devices

    add_user(live_server, "dup@x", "commune_staff", "24643", PASSWORD)
    add_user(live_server, "dup_x", "commune_staff", "24643", PASSWORD)
    WebSession(live_server, "dup@x")
    second = WebSession(live_server, "dup_x")
    engine = make_engine(live_server.settings().db_url)
    try:
        with read_tx(engine) as conn:
            devices = {d["device_id"]: d["users"] for d in list_devices(conn)}
    finally:
        engine.dispose()
    web_ids = {d: u for d, u in devices.items() if "dup@x" in u or "dup_x" in u}
    assert len(web_ids) == 2 and all(d.startswith("web:") for d in web_ids), web_ids
    assert sorted(u for users in web_ids.values() for u in users) == ["dup@x", "dup_x"]
    # Revoking one of them (the district's devices page) leaves the other's session alone.
    district = WebSession(live_server, "district")
    first_id = next(d for d, u in web_ids.items() if u == ["dup@x"])
    assert district.post(f"/web/admin/devices/{first_id}/revoke").status_code == 303
    assert second.get("/web/").status_code == 200


# ---------------------------------------------------------------------------- web: HTTP details
@pytest.fixture(scope="module")
def staff(live_server: Any) -> WebSession:
    return WebSession(live_server, "district")


@pytest.mark.parametrize("path", ["/web", "/web/", "/web/login", "/web/records", "/web/plans"])
def test_pages_answer_head(staff: WebSession, path: str) -> None:
    get = staff.http.get(path)
    head = staff.http.head(path)
    assert head.status_code == get.status_code and head.status_code in (200, 307), path
    assert head.content == b""


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/web/vendor/.package-lock.json", 404),
        ("/web/vendor/leaflet/package.json", 404),
        ("/web/vendor/chart.js/README.md", 404),
        ("/web/vendor/leaflet/dist/leaflet.js", 200),
        ("/web/vendor/@picocss/pico/css/pico.min.css", 200),
    ],
)
def test_vendor_serves_the_built_files_only(live_server: Any, path: str, status: int) -> None:
    assert httpx.get(live_server.url + path, timeout=30).status_code == status


def test_the_qr_code_holds_the_configured_address_not_the_host_header(
    live_server: Any, staff: WebSession
) -> None:
    r = staff.http.get("/web/admin/users/officer/qr", headers={"Host": "evil.example"})
    assert r.status_code == 200
    assert "evil.example" not in r.text
    assert live_server.env["DKST_PUBLIC_URL"] in r.text


def test_login_csrf_cookie_is_secure_over_https(live_server: Any) -> None:
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1, as from a TLS proxy in front of it.
    r = httpx.get(live_server.url + "/web/login", headers={"X-Forwarded-Proto": "https"})
    cookie = r.headers["set-cookie"]
    assert "dkst_login_csrf=" in cookie and "secure" in cookie.lower()
    plain = httpx.get(live_server.url + "/web/login").headers["set-cookie"]
    assert "secure" not in plain.lower()


class _Scripts(HTMLParser):
    """Inline scripts and event-handler attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.inline += [f"{tag} {k}=" for k in a if k.startswith("on")]
        if tag == "script":
            data_block = a.get("type") == "application/json"
            self._in_script = "src" not in a and not data_block

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append(data.strip()[:40])

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


PAGES = [
    "/web/login",
    "/web/",
    "/web/records",
    "/web/map",
    "/web/plans",
    "/web/admin/users",
    "/web/admin/devices",
    "/web/admin/users/officer/qr",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_a_csp_and_no_inline_script(staff: WebSession, path: str) -> None:
    r = staff.get(path)
    assert r.status_code == 200, path
    csp = r.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", csp)
    assert script_src is not None and script_src.group(1).strip() == "'self'", csp
    assert "frame-ancestors 'none'" in csp
    parser = _Scripts()
    parser.feed(r.text)
    assert parser.inline == [], (path, parser.inline)


def test_a_record_page_shows_messages_by_code_only(live_server: Any) -> None:
    from tests.server.helpers import client, push, record_fields

    officer, device = client(live_server, "officer")
    from tests.server.helpers import change

    ra = change(device, record_fields("residential_area"))
    assert push(officer, device, [ra])[0]["status"] == "applied"
    commune = WebSession(live_server, "commune")
    spoof = "Tài khoản bị khóa, gọi 0909 000 000"
    page = commune.get(f"/web/records/{ra['record_id']}?error={spoof}").text
    assert spoof not in page
    page = commune.get(f"/web/records/{ra['record_id']}?error=out_of_scope,{spoof}").text
    assert spoof not in page and "phạm vi" in page


def test_the_qr_page_warns_of_a_loopback_address(live_server: Any, staff: WebSession) -> None:
    """Issue 18: a QR code holding 127.0.0.1 sets a phone up with an address it cannot reach."""
    assert "127.0.0.1" in live_server.env["DKST_PUBLIC_URL"]
    assert 'id="qr-loopback"' in staff.get("/web/admin/users/officer/qr").text


def test_the_qr_holds_the_lan_address_it_is_given(tmp_path: Any) -> None:
    from tests.support.server import add_user, running_server

    lan = {"DKST_PUBLIC_URL": "http://192.168.1.20:8000"}
    with running_server(tmp_path, extra_env=lan, in_process=True) as srv:
        add_user(srv, "district", "district_staff", "662", PASSWORD)
        add_user(srv, "officer", "field_officer", "24643", PASSWORD)
        page = WebSession(srv, "district").get("/web/admin/users/officer/qr").text
    assert "http://192.168.1.20:8000" in page and 'id="qr-loopback"' not in page
