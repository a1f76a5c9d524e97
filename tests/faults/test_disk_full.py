"""The server's disk fills during an upload and during a push (issue 11 "Faults").

The data directory is a small tmpfs mounted for the test (root only: CI runs as root). While it is
full, uploads and pushes answer 503 `unavailable` with Retry-After, never a 500; nothing already
stored is damaged; once space is freed the same upload resumes and the same push applies.
"""

from __future__ import annotations

import errno
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.helpers import change, error_code, new_id, pull_all, push
from tests.server.test_attachments import make_file, put
from tests.support.disk import needs_root, tmpfs
from tests.support.server import DAK_WIL, add_user, login, running_server, sqlite_integrity

PASSWORD = "mật khẩu đủ dài"
SIZE_MB = 24

pytestmark = needs_root


def fill(disk: Path) -> Path:
    """Write a filler file until the disk refuses another byte."""
    filler = disk / "filler.bin"
    block = os.urandom(64 * 1024)
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(block)
                f.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    with open(filler, "ab", buffering=0) as f:  # the last bytes, a page at a time
        try:
            while True:
                f.write(block[:512])
                f.flush()
        except OSError:
            pass
    return filler


def _unavailable(r: httpx.Response) -> bool:
    return r.status_code == 503 and error_code(r) == "unavailable" and "Retry-After" in r.headers


@pytest.fixture
def server_on_small_disk(tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    with tmpfs(tmp_path / "disk", f"{SIZE_MB}m") as disk, running_server(disk) as srv:
        add_user(srv, "officer", "field_officer", DAK_WIL, PASSWORD)
        yield srv, disk


def test_uploads_and_pushes_pause_while_the_disk_is_full(
    server_on_small_disk: tuple[Any, Path],
) -> None:
    srv, disk = server_on_small_disk
    dev = "phone-" + uuid.uuid4().hex[:6]
    c = login(srv, "officer", PASSWORD, dev)
    saved = [change(dev) for _ in range(20)]
    assert {r["status"] for r in push(c, dev, saved)} == {"applied"}
    data, sha = make_file(300_000)
    assert put(c, sha, data, 0, 99_999).status_code == 204  # a third of the file, before

    filler = fill(disk)
    # The rest of the file cannot be stored: 503, not 500, and the offset stays where it was.
    r = put(c, sha, data, 100_000)
    assert _unavailable(r), (r.status_code, r.text)
    assert c.head(f"/attachments/{sha}").headers["Upload-Offset"] == "100000"
    # A push of 500 changes cannot be stored either: nothing of it is applied.
    batch = [
        change(dev, {**change(dev)["fields"], "head_of_work_group": "Nguyễn Thị Hương " * 10})
        for _ in range(500)
    ]
    r = c.post("/sync/push", json={"device_id": dev, "changes": batch})
    assert _unavailable(r), (r.status_code, r.text[:300])
    # Reads still work, and hold everything saved before.
    got = {rec["record_id"] for rec in pull_all(c)[0]}
    assert {ch["record_id"] for ch in saved} <= got

    filler.unlink()
    # The same upload resumes at its offset; the same push applies (or repeats as duplicates).
    r = put(c, sha, data, 100_000)
    assert r.status_code == 201, r.text
    assert c.get(f"/attachments/{sha}").content == data
    results = push(c, dev, batch)
    assert {x["status"] for x in results} <= {"applied", "duplicate"}
    got = {rec["record_id"] for rec in pull_all(c)[0]}
    assert {ch["record_id"] for ch in saved + batch} <= got
    assert push(c, dev, [change(dev, record_id=new_id())])[0]["status"] == "applied"
    c.close()

    assert sqlite_integrity(srv) == "ok"
