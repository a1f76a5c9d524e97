"""POST /auth/token, bearer tokens, revocation and login rate limits — through real HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.server.helpers import change, client, error_code, push
from tests.support.server import add_user


def _login(
    srv: Any, username: str, password: str = PASSWORD, device_id: str = "phone-1", **extra: str
) -> httpx.Response:
    return httpx.post(
        srv.api + "/auth/token",
        data={"username": username, "password": password, "device_id": device_id, **extra},
    )


def test_login_returns_a_device_bound_token(live_server: Any) -> None:
    r = _login(live_server, "officer", grant_type="password")
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert body["user"] == {"username": "officer", "role": "field_officer", "units": ["24643"]}
    me = httpx.get(
        live_server.api + "/units", headers={"Authorization": "Bearer " + body["access_token"]}
    )
    assert me.status_code == 200


@pytest.mark.parametrize(
    ("username", "password"), [("officer", "wrong password"), ("nobody-here", PASSWORD)]
)
def test_wrong_credentials_are_401_invalid_credentials(
    live_server: Any, username: str, password: str
) -> None:
    r = _login(live_server, username, password)
    assert r.status_code == 401
    assert error_code(r) == "invalid_credentials"


@pytest.mark.parametrize(
    "data",
    [
        {"username": "officer", "password": PASSWORD},  # no device_id
        {"username": "officer", "password": PASSWORD, "device_id": "has space"},
        {"username": "officer", "password": PASSWORD, "device_id": "x" * 65},
        {
            "username": "officer",
            "password": PASSWORD,
            "device_id": "d",
            "grant_type": "client_credentials",
        },
        {},
    ],
)
def test_malformed_login_is_400_invalid_request(live_server: Any, data: dict[str, str]) -> None:
    r = httpx.post(live_server.api + "/auth/token", data=data)
    assert r.status_code == 400
    assert error_code(r) == "invalid_request"


def test_login_json_body_is_400(live_server: Any) -> None:
    r = httpx.post(live_server.api + "/auth/token", json={"username": "officer"})
    assert r.status_code == 400
    assert error_code(r) == "invalid_request"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic b2ZmaWNlcjp4"},
        {"Authorization": "Bearer " + "x" * 300},
    ],
)
def test_missing_or_bad_token_is_401(live_server: Any, headers: dict[str, str]) -> None:
    for method, path in (
        ("GET", "/units"),
        ("GET", "/sync/pull"),
        ("POST", "/sync/push"),
        ("GET", "/forms"),
    ):
        r = httpx.request(method, live_server.api + path, headers=headers)
        assert r.status_code == 401, (path, r.text)
        assert error_code(r) == "unauthorized"


def test_messages_follow_accept_language(live_server: Any) -> None:
    vi = httpx.get(live_server.api + "/units")
    en = httpx.get(live_server.api + "/units", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert error_code(vi) == error_code(en) == "unauthorized"
    assert vi.json()["error"]["message"] != en.json()["error"]["message"]
    assert "đăng nhập" in vi.json()["error"]["message"]


def test_revoked_user_loses_every_token_and_cannot_log_in(live_server: Any) -> None:
    name = f"u{uuid.uuid4().hex[:8]}"
    add_user(live_server, name, "field_officer", "24643", PASSWORD)
    c1, _ = client(live_server, name)
    c2, _ = client(live_server, name)
    admin, _ = client(live_server, "district")
    assert admin.post(f"/admin/users/{name}/revoke").status_code == 204
    assert admin.post(f"/admin/users/{name}/revoke").status_code == 204  # idempotent
    for c in (c1, c2):
        r = c.get("/units")
        assert r.status_code == 401 and error_code(r) == "unauthorized"
    r = _login(live_server, name)
    assert r.status_code == 403 and error_code(r) == "account_disabled"
    # A wrong password still says only that the credentials are wrong.
    r = _login(live_server, name, "not the password")
    assert r.status_code == 401 and error_code(r) == "invalid_credentials"


def test_revoked_device_loses_its_tokens_but_not_the_users_other_devices(live_server: Any) -> None:
    name = f"u{uuid.uuid4().hex[:8]}"
    add_user(live_server, name, "field_officer", "24643", PASSWORD)
    lost, lost_id = client(live_server, name)
    other, _ = client(live_server, name)
    admin, _ = client(live_server, "admin")
    assert admin.post(f"/admin/devices/{lost_id}/revoke").status_code == 204
    assert admin.post(f"/admin/devices/{lost_id}/revoke").status_code == 204
    r = lost.get("/units")
    assert r.status_code == 401 and error_code(r) == "unauthorized"
    assert other.get("/units").status_code == 200
    r = _login(live_server, name, device_id=lost_id)
    assert r.status_code == 403 and error_code(r) == "device_revoked"


def test_revocation_needs_a_manager_role_and_stays_in_scope(live_server: Any) -> None:
    officer, _ = client(live_server, "officer")
    r = officer.post("/admin/users/officer2/revoke")
    assert r.status_code == 403 and error_code(r) == "forbidden"
    commune, _ = client(live_server, "commune")
    r = commune.post("/admin/devices/whatever/revoke")
    assert r.status_code == 403 and error_code(r) == "forbidden"
    # District staff of Cư Jút cannot see (so cannot revoke) the province admin.
    district, _ = client(live_server, "district")
    r = district.post("/admin/users/admin/revoke")
    assert r.status_code == 404 and error_code(r) == "not_found"
    r = district.post("/admin/users/no-such-user/revoke")
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert _login(live_server, "admin").status_code == 200


def test_expired_token_is_401(live_server: Any) -> None:
    from sqlalchemy import update

    from server.db.engine import make_engine, write_tx
    from server.db.schema import tokens

    c, device = client(live_server, "officer")
    assert c.get("/units").status_code == 200
    engine = make_engine(live_server.settings().db_url)
    with write_tx(engine) as conn:
        conn.execute(update(tokens).where(tokens.c.device_id == device).values(expires_at=0))
    engine.dispose()
    r = c.get("/units")
    assert r.status_code == 401 and error_code(r) == "unauthorized"


def test_token_is_bound_to_its_device(live_server: Any) -> None:
    c, device = client(live_server, "officer")
    r = c.post(
        "/sync/push",
        json={"device_id": "some-other-device", "changes": [change("some-other-device")]},
    )
    assert r.status_code == 400 and error_code(r) == "invalid_request"
    assert push(c, device, [change(device)])[0]["status"] == "applied"


def test_login_is_rate_limited_per_username(live_server: Any) -> None:
    name = f"u{uuid.uuid4().hex[:8]}"
    add_user(live_server, name, "field_officer", "24643", PASSWORD)
    for _ in range(10):
        r = _login(live_server, name, "wrong-password")
        assert r.status_code == 401
    r = _login(live_server, name)  # even the right password waits now
    assert r.status_code == 429
    assert error_code(r) == "rate_limited"
    assert int(r.headers["Retry-After"]) > 0
    # Another user from the same address is not locked out by this one.
    assert _login(live_server, "officer").status_code == 200


@pytest.mark.parametrize("name", ["a\x00b", "ä" * 100, "\ufffd"])
def test_odd_usernames_are_plain_401_never_500(live_server: Any, name: str) -> None:
    r = _login(live_server, name, "whatever")
    assert r.status_code == 401 and error_code(r) == "invalid_credentials"


def test_odd_names_in_admin_paths_are_404(live_server: Any) -> None:
    district, _ = client(live_server, "district")
    for path in (
        "/admin/users/a%00b/revoke",
        "/admin/devices/a%00b/revoke",
        "/admin/devices/%F0%9F%99%82/revoke",
    ):
        r = district.post(path)
        assert r.status_code == 404 and error_code(r) == "not_found", path


def test_login_is_rate_limited_per_address(tmp_path: Any) -> None:
    from tests.support.server import running_server

    # The limit is a setting (100 by default); a small one keeps the test quick.
    with running_server(
        tmp_path, extra_env={"DKST_LOGIN_FAIL_LIMIT_IP": "5"}, in_process=True
    ) as srv:
        add_user(srv, "lan", "field_officer", "24643", PASSWORD)
        for i in range(5):
            assert _login(srv, f"guess-{i}", "wrong").status_code == 401
        r = _login(srv, "lan")
        assert r.status_code == 429 and error_code(r) == "rate_limited"
        assert int(r.headers["Retry-After"]) > 0


def test_a_decomposed_password_logs_in(live_server: Any) -> None:
    import unicodedata

    name = f"u{uuid.uuid4().hex[:8]}"
    add_user(live_server, name, "field_officer", "24643", "Mật khẩu Đoàn Kết")
    nfd = unicodedata.normalize("NFD", "Mật khẩu Đoàn Kết")
    assert _login(live_server, name, nfd).status_code == 200
