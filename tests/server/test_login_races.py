"""Issue 16: the login limit holds for attempts sent at the same moment (SYNC.md "Identity and
auth"), on the API and on the staff web, on SQLite and on PostgreSQL.

Of 40 parallel wrong passwords 33 to 39 used to be checked (of 150, 47), and the right password
sent 40th got in: the failures were counted, then checked, then written. Now of any number at most
10 are answered 401, every other is 429, and the right password after them is 429 too.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.support.server import add_user

LIMIT = 10  # DKST_LOGIN_FAIL_LIMIT_USER's default, as SYNC.md states it


def _at_once(attempt: Callable[[str], int], passwords: list[str]) -> list[int]:
    """Every attempt in a thread of its own, all released together by a barrier."""
    start = threading.Barrier(len(passwords))

    def run(password: str) -> int:
        start.wait()
        return attempt(password)

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(run, passwords))


def _api_login(srv: Any, username: str, password: str) -> int:
    r = httpx.post(
        srv.api + "/auth/token",
        data={"username": username, "password": password, "device_id": "race-phone"},
        timeout=120,
    )
    return r.status_code


def _web_login_form(srv: Any) -> tuple[dict[str, str], str]:
    r = httpx.get(srv.url + "/web/login", timeout=30)
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert csrf is not None
    return dict(r.cookies), csrf.group(1)


def _web_login(srv: Any, cookies: dict[str, str], csrf: str, username: str, password: str) -> int:
    r = httpx.post(
        srv.url + "/web/login",
        data={"csrf": csrf, "next": "/web/", "username": username, "password": password},
        cookies=cookies,
        timeout=120,
    )
    return r.status_code


@pytest.mark.parametrize("burst", [40, 150])
def test_parallel_wrong_passwords_on_the_api_stop_at_the_limit(
    live_server: Any, burst: int
) -> None:
    name = f"race{uuid.uuid4().hex[:8]}"
    add_user(live_server, name, "field_officer", "24643", PASSWORD)
    statuses = _at_once(lambda p: _api_login(live_server, name, p), ["wrong!"] * burst)
    assert statuses.count(401) <= LIMIT, statuses
    assert set(statuses) <= {401, 429}, statuses
    assert statuses.count(401) + statuses.count(429) == burst
    # Once the limit is reached, the right password waits too.
    assert _api_login(live_server, name, PASSWORD) == 429


def test_a_right_password_among_parallel_guesses_gets_no_more_than_the_limit(
    live_server: Any,
) -> None:
    name = f"race{uuid.uuid4().hex[:8]}"
    add_user(live_server, name, "field_officer", "24643", PASSWORD)
    guesses = ["wrong!"] * 39 + [PASSWORD]
    statuses = _at_once(lambda p: _api_login(live_server, name, p), guesses)
    wrong = statuses[:39]
    assert wrong.count(401) <= LIMIT, statuses
    # The right password gets in only if it took a place before ten had failed (its place is
    # given back once it proves right, so the tenth failure may still come after it); else 429.
    assert statuses[-1] in (200, 429), statuses
    if statuses[-1] == 429:
        assert wrong.count(401) == LIMIT


def test_parallel_wrong_passwords_on_the_web_stop_at_the_limit(live_server: Any) -> None:
    name = f"race{uuid.uuid4().hex[:8]}"
    add_user(live_server, name, "commune_staff", "24643", PASSWORD)
    cookies, csrf = _web_login_form(live_server)
    statuses = _at_once(lambda p: _web_login(live_server, cookies, csrf, name, p), ["wrong!"] * 40)
    assert statuses.count(401) <= LIMIT, statuses
    assert set(statuses) <= {401, 429}, statuses
    assert _web_login(live_server, cookies, csrf, name, PASSWORD) == 429
    # The API and the web count the same attempts.
    assert _api_login(live_server, name, PASSWORD) == 429
