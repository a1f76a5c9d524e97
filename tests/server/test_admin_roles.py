"""Issue 16: nobody acts on a user whose role they could not grant (SYNC.md "Identity and auth";
``shared_schema/roles.py``).

District staff could reset the password of their district's administrator, or of a peer, and
then log in as them. Here every admin action, on the API and on the staff web, is tried by every
role on a user of every role, on the actor's own unit and on a unit below it, with the outcome
written out by hand (not computed by the rule under test) and the effect checked: a refused reset
leaves the old password working, an allowed one the new.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.support.server import add_user

NEW_PASSWORD = "mật-khẩu-mới-đủ-dài"
# (actor role, actor unit, the unit "below" it)
ACTORS = {
    "field_officer": ("24643", "24643"),
    "commune_staff": ("24643", "24643"),
    "district_staff": ("662", "24643"),  # Huyện Cư Jút; Xã Đắk Wil below it
    "admin": ("67", "662"),  # Tỉnh Đắk Nông; Huyện Cư Jút below it
}
ROLES = ("field_officer", "commune_staff", "district_staff", "admin")
OK, FORBIDDEN = "ok", "forbidden"
# What each actor may do to a user of each role on its own unit and on a unit below (by hand).
EXPECTED: dict[tuple[str, str, str], str] = {}
for _role in ROLES:
    for _where in ("own", "below"):
        EXPECTED[("field_officer", _role, _where)] = FORBIDDEN
        EXPECTED[("commune_staff", _role, _where)] = FORBIDDEN
EXPECTED |= {
    ("district_staff", "field_officer", "own"): OK,
    ("district_staff", "field_officer", "below"): OK,
    ("district_staff", "commune_staff", "own"): OK,
    ("district_staff", "commune_staff", "below"): OK,
    ("district_staff", "district_staff", "own"): FORBIDDEN,  # a peer
    ("district_staff", "district_staff", "below"): OK,
    ("district_staff", "admin", "own"): FORBIDDEN,  # the district's administrator
    ("district_staff", "admin", "below"): FORBIDDEN,
    ("admin", "field_officer", "own"): OK,
    ("admin", "field_officer", "below"): OK,
    ("admin", "commune_staff", "own"): OK,
    ("admin", "commune_staff", "below"): OK,
    ("admin", "district_staff", "own"): OK,
    ("admin", "district_staff", "below"): OK,
    ("admin", "admin", "own"): FORBIDDEN,  # a peer
    ("admin", "admin", "below"): OK,
}
CASES = [(a, r, w) for a in ACTORS for r in ROLES for w in ("own", "below")]


def _token(srv: Any, username: str, password: str, device: str) -> httpx.Response:
    return httpx.post(
        srv.api + "/auth/token",
        data={"username": username, "password": password, "device_id": device},
        timeout=60,
    )


class WebSession:
    """A browser's session on the staff web, without the browser: cookies and the CSRF token."""

    def __init__(self, srv: Any, username: str) -> None:
        self.http = httpx.Client(base_url=srv.url, timeout=60)
        page = self.http.get("/web/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        r = self.http.post(
            "/web/login",
            data={
                "csrf": csrf.group(1),
                "next": "/web/",
                "username": username,
                "password": PASSWORD,
            },
        )
        assert r.status_code == 303, r.text
        home = self.http.get("/web/")
        token = re.search(r'name="csrf" value="([^"]+)"', home.text)
        assert token is not None
        self.csrf = token.group(1)

    def post(self, path: str, **fields: str) -> httpx.Response:
        return self.http.post(path, data={"csrf": self.csrf, **fields})

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)


@pytest.fixture(scope="module")
def actors(live_server: Any) -> dict[str, tuple[str, WebSession, httpx.Client]]:
    out = {}
    for role, (unit, _below) in ACTORS.items():
        name = f"actor_{role}"
        add_user(live_server, name, role, unit, PASSWORD)
        r = _token(live_server, name, PASSWORD, f"api-{role}")
        assert r.status_code == 200, r.text
        api = httpx.Client(
            base_url=live_server.api,
            headers={"Authorization": "Bearer " + r.json()["access_token"]},
            timeout=60,
        )
        out[role] = (name, WebSession(live_server, name), api)
    return out


def _target(srv: Any, role: str, unit: str) -> tuple[str, str]:
    """A fresh user of ``role`` on ``unit`` who has logged in once on a device of their own."""
    name = f"t{uuid.uuid4().hex[:10]}"
    device = f"dev-{name}"
    add_user(srv, name, role, unit, PASSWORD)
    assert _token(srv, name, PASSWORD, device).status_code == 200
    return name, device


def _expected_status(expected: str, actor: str, web: bool) -> set[int]:
    if expected == OK:
        return {303} if web else {204}
    return {403}


@pytest.mark.parametrize(("actor", "role", "where"), CASES)
def test_every_admin_action_against_every_pair_of_roles(
    live_server: Any, actors: dict[str, Any], actor: str, role: str, where: str
) -> None:
    own, below = ACTORS[actor]
    unit = own if where == "own" else below
    expected = EXPECTED[(actor, role, where)]
    _name, web, api = actors[actor]
    problems: list[str] = []

    def check(what: str, status: int, wanted: set[int]) -> None:
        if status not in wanted:
            problems.append(f"{what}: {status}, expected {sorted(wanted)}")

    # The set-up QR code of the user.
    target, _device = _target(live_server, role, unit)
    r = web.get(f"/web/admin/users/{target}/qr")
    check("web qr", r.status_code, {200} if expected == OK else {403})

    # Reset the password, then see which password works.
    r = web.post(f"/web/admin/users/{target}/password", password=NEW_PASSWORD)
    check("web reset", r.status_code, _expected_status(expected, actor, web=True))
    works = NEW_PASSWORD if expected == OK else PASSWORD
    check("login after reset", _token(live_server, target, works, "after").status_code, {200})

    # Revoke the user: on the API, then (a fresh user) on the web.
    target, _device = _target(live_server, role, unit)
    r = api.post(f"/admin/users/{target}/revoke")
    check("api revoke user", r.status_code, _expected_status(expected, actor, web=False))
    after = _token(live_server, target, PASSWORD, "after").status_code
    check("login after api revoke", after, {403} if expected == OK else {200})
    target, _device = _target(live_server, role, unit)
    r = web.post(f"/web/admin/users/{target}/revoke")
    check("web revoke user", r.status_code, _expected_status(expected, actor, web=True))
    after = _token(live_server, target, PASSWORD, "after").status_code
    check("login after web revoke", after, {403} if expected == OK else {200})

    # Revoke the device the user logged in on: on the API, then on the web.
    for via in ("api", "web"):
        target, device = _target(live_server, role, unit)
        if via == "api":
            r = api.post(f"/admin/devices/{device}/revoke")
        else:
            r = web.post(f"/web/admin/devices/{device}/revoke")
        check(
            f"{via} revoke device", r.status_code, _expected_status(expected, actor, via == "web")
        )
        after = _token(live_server, target, PASSWORD, device).status_code
        check(f"login after {via} device revoke", after, {403} if expected == OK else {200})

    # Add a user of that role on that unit.
    name = f"n{uuid.uuid4().hex[:10]}"
    r = web.post("/web/admin/users", username=name, password=PASSWORD, role=role, unit=unit)
    if actor in ("field_officer", "commune_staff"):
        check("web add user", r.status_code, {403})
    else:
        check("web add user", r.status_code, {303} if expected == OK else {400})
    created = _token(live_server, name, PASSWORD, "new").status_code
    check("login of the added user", created, {200} if expected == OK else {401})
    assert not problems, problems


def test_out_of_the_subtree_is_not_found(live_server: Any, actors: dict[str, Any]) -> None:
    _name, web, api = actors["district_staff"]
    target, device = _target(live_server, "field_officer", "24667")  # Xã Đắk Lao, Đắk Mil
    assert api.post(f"/admin/users/{target}/revoke").status_code == 404
    assert api.post(f"/admin/devices/{device}/revoke").status_code == 404
    assert web.post(f"/web/admin/users/{target}/password", password=NEW_PASSWORD).status_code == 404
    assert web.get(f"/web/admin/users/{target}/qr").status_code == 404
    assert _token(live_server, target, PASSWORD, device).status_code == 200


def test_the_users_page_offers_no_action_on_a_peer_or_above(
    live_server: Any, actors: dict[str, Any]
) -> None:
    name, web, _api = actors["district_staff"]
    peer, _ = _target(live_server, "district_staff", "662")
    below, _ = _target(live_server, "commune_staff", "24643")
    page = web.get("/web/admin/users").text
    row = re.search(rf'<tr data-user="{peer}">(.*?)</tr>', page, re.S)
    assert row is not None and "/password" not in row.group(1) and "/revoke" not in row.group(1)
    row = re.search(rf'<tr data-user="{below}">(.*?)</tr>', page, re.S)
    assert row is not None and "/password" in row.group(1)
    assert f'<tr data-user="{name}">' in page  # listed, not actionable
    options = re.findall(
        r'<option value="(\w+)"', page.split('name="role"')[1].split("</select>")[0]
    )
    assert options == ["field_officer", "commune_staff", "district_staff"]


def test_ones_own_device_may_be_revoked_but_not_a_peers(live_server: Any) -> None:
    add_user(live_server, "own_dev_a", "district_staff", "662", PASSWORD)
    add_user(live_server, "own_dev_b", "district_staff", "662", PASSWORD)
    mine = _token(live_server, "own_dev_a", PASSWORD, "lost-phone-a")
    assert mine.status_code == 200
    assert _token(live_server, "own_dev_b", PASSWORD, "phone-b").status_code == 200
    api = httpx.Client(
        base_url=live_server.api,
        headers={"Authorization": "Bearer " + mine.json()["access_token"]},
        timeout=60,
    )
    assert _token(live_server, "own_dev_a", PASSWORD, "desk-a").status_code == 200
    desk = _token(live_server, "own_dev_a", PASSWORD, "desk-a2").json()["access_token"]
    api.headers["Authorization"] = "Bearer " + desk
    assert api.post("/admin/devices/lost-phone-a/revoke").status_code == 204
    assert _token(live_server, "own_dev_a", PASSWORD, "lost-phone-a").status_code == 403
    assert api.post("/admin/devices/phone-b/revoke").status_code == 403  # a peer's
    assert _token(live_server, "own_dev_b", PASSWORD, "phone-b").status_code == 200
