"""The field app in a real window against a real server: an officer's day, driven by touches.

The tests run in order on one window and one device (Kivy has one window per process): each
starts from where the previous left the officer. Screenshots of every screen go to SHOTS.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.mobile.live import PW
from tests.ui.conftest import OFFICER
from tests.ui.driver import choose, shot, tap, type_into, wait_until

pytestmark = pytest.mark.ui


def current(app: Any) -> Any:
    return app.sm.current_screen


@pytest.fixture(scope="module")
def black_hole() -> Iterator[str]:
    """A port that accepts connections and never answers (a server hung, a captive portal)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def login_with(app: Any, server: str, username: str, password: str) -> Any:
    scr = current(app)
    assert scr.name == "login"
    type_into(scr.ids.server, server)
    type_into(scr.ids.username, username)
    type_into(scr.ids.password, password)
    tap(scr.ids.submit)
    return scr


def test_first_run_shows_login(app: Any) -> None:
    assert current(app).name == "login"
    shot("01-login")


def test_unreachable_server_is_told_within_seconds(app: Any, black_hole: str) -> None:
    started = time.monotonic()
    scr = login_with(app, black_hole, OFFICER, PW)
    wait_until(lambda: not scr.busy, 10, "the login attempt to end")
    assert time.monotonic() - started < 6
    assert "Không kết nối được máy chủ" in scr.message
    assert not app.online
    shot("02-login-unreachable")


def test_wrong_password_is_refused(app: Any, srv: Any) -> None:
    scr = login_with(app, srv.url, OFFICER, "sai mật khẩu")
    wait_until(lambda: not scr.busy, 15, "the login attempt to end")
    assert scr.message == "Sai tên đăng nhập hoặc mật khẩu"
    assert current(app).name == "login"


def test_login_opens_home(app: Any, srv: Any) -> None:
    scr = login_with(app, srv.url, OFFICER, PW)
    wait_until(lambda: current(app).name == "home", 20, "the home screen")
    assert scr.message == ""
    home = current(app)
    assert "Cán bộ Mặt trận" in home.who
    assert "24643" in home.units_text
    wait_until(lambda: app.online, 10, "the online badge")
    shot("03-home-first")
