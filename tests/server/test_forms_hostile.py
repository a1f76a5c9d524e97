"""Hostile or broken workbooks never hurt the server (issue 20): each is a clear 4xx in under
10 s, and the server answers the next request. The cases of pyxform's tracker (#595 a small form
that took 1.5 GB, #604 a sheet dimensioned A1:AMJ1048576, #501 XML bombs), a macro workbook, a
file that is no workbook, an empty file, a zip bomb. SQLite only: nothing here reaches the
database (the PostgreSQL half of POST /forms is in test_forms_publish.py)."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from server.xlsform import sandbox
from server.xlsform.guard import Refusal
from tests.conftest import PASSWORD, STANDARD_USERS
from tests.support.server import LiveServer, add_users, login, running_server
from tests.support.xlsforms import dimension_bomb, macro_workbook, memory_bomb, xml_bomb

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (200 * 1024 * 1024))
    return out.getvalue()


CASES: list[tuple[str, Callable[[], bytes], int, str]] = [
    ("pyxform-595-memory", memory_bomb, 422, "invalid_form"),
    ("pyxform-604-dimension", dimension_bomb, 413, "file_too_large"),
    ("pyxform-501-xml-bomb", xml_bomb, 415, "unsupported_media_type"),
    ("macro-xlsm", macro_workbook, 415, "unsupported_media_type"),
    ("not-a-workbook", lambda: b"%PDF-1.7\n" + b"x" * 5000, 415, "unsupported_media_type"),
    ("empty", lambda: b"", 400, "invalid_request"),
    ("zip-bomb", _zip_bomb, 413, "file_too_large"),
    (
        "old-xls",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000,
        415,
        "unsupported_media_type",
    ),
]


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, httpx.Client]]:
    with running_server(tmp_path_factory.mktemp("hostile"), in_process=True) as srv:
        add_users(srv, list(STANDARD_USERS), PASSWORD)
        yield srv, login(srv, "admin", PASSWORD, "admin-hostile")


@pytest.mark.parametrize(("name", "make", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_each_hostile_workbook_is_a_clear_4xx_in_under_10_s(
    admin: tuple[LiveServer, httpx.Client],
    name: str,
    make: Callable[[], bytes],
    status: int,
    code: str,
) -> None:
    _srv, c = admin
    data = make()
    started = time.monotonic()
    r = c.post("/forms", params={"unit": "662"}, content=data, headers={"Content-Type": XLSX})
    took = time.monotonic() - started
    assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    assert r.json()["error"]["message"]
    assert took < 10, f"{name}: {took:.1f} s"
    assert c.get("/health").status_code == 200  # the server is still there


def test_a_file_over_the_limit_is_413_before_it_is_read(admin: tuple[LiveServer, Any]) -> None:
    _srv, c = admin
    r = c.post("/forms", params={"unit": "662"}, content=b"PK\x03\x04" + b"\0" * (3 * 1024 * 1024))
    assert r.status_code == 413


def test_the_reader_is_killed_at_its_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limits themselves, with a budget the contest form cannot fit in: the child dies and
    the answer is a refusal, not a hang or a server error."""
    from tests.support.xlsforms import contest_form

    monkeypatch.setattr(sandbox, "MEMORY_BYTES", 40 * 1024 * 1024)
    with pytest.raises(Refusal) as memory:
        sandbox.read_xlsform(contest_form())
    assert memory.value.reason == "too_complex" and memory.value.status == 422
    monkeypatch.setattr(sandbox, "MEMORY_BYTES", 512 * 1024 * 1024)
    monkeypatch.setattr(sandbox, "WALL_SECONDS", 0.05)
    started = time.monotonic()
    with pytest.raises(Refusal) as wall:
        sandbox.read_xlsform(contest_form())
    assert wall.value.reason == "too_complex" and time.monotonic() - started < 5
