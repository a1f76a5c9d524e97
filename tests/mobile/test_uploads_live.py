"""Uploads with fewer round trips, against a real server and the device's real store.

Files go a few at once and skip ``HEAD`` when the device has sent nothing of them, and still
finish whole and resume from the server's offset after a cut (mobile/core/uploads.py).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import requests
from PIL import Image

from bench.linkproxy import LinkProxy
from mobile.core.device import Device
from mobile.core.http import ServerUnreachable
from tests.mobile.conftest import area_values, model_values
from tests.mobile.live import PW, download_sha, login_device
from tests.mobile.proxy import CuttingProxy
from tests.support import server as support


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Any]:
    with support.running_server(tmp_path, in_process=True) as s:
        support.add_user(s, "lan", "field_officer", support.DAK_WIL, PW)
        yield s


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int, str]]:
    """Every request the device sends: (method, path, status, thread name)."""
    log: list[tuple[str, str, int, str]] = []
    lock = threading.Lock()
    original = requests.adapters.HTTPAdapter.send

    def send(adapter: Any, request: Any, *a: Any, **kw: Any) -> Any:
        resp = original(adapter, request, *a, **kw)
        with lock:
            path = urlsplit(request.url).path.removeprefix("/api/v1")
            log.append((request.method, path, resp.status_code, threading.current_thread().name))
        return resp

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return log


def photo(k: int, size: tuple[int, int] = (900, 700)) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise(size, 60 + k).convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def with_photos(dev: Device, n: int) -> list[Any]:
    area = dev.records.create("residential_area", area_values("Buôn Trum")).record_id
    model = dev.records.create("model", model_values(area, "Nhà lưới")).record_id
    out = []
    for k in range(n):
        stored, res = dev.add_evidence(photo(k), parent_field="model", parent_id=model)
        assert res.finalized, res.issues
        out.append(stored)
    return out


def assert_whole_on_server(srv: Any, files: list[Any]) -> None:
    for f in files:
        assert download_sha(srv.api, "lan", f.sha256) == f.sha256


def of(log: list[tuple[str, str, int, str]], method: str, prefix: str = "") -> list[Any]:
    return [e for e in log if e[0] == method and e[1].startswith(prefix)]


def test_parallel_uploads_finish_whole_without_head(srv: Any, tmp_path: Path, sent: Any) -> None:
    # Through an emulated 8 Mbit/s link, so a file takes long enough that every worker gets one.
    with LinkProxy(("127.0.0.1", urlsplit(srv.url).port or 0), rate_bps=8e6, delay_s=0.02) as link:
        dev = login_device(tmp_path / "a", f"http://127.0.0.1:{link.port}", "lan", "dev-a")
        dev.store.update_settings(upload_connections=3)
        photos = with_photos(dev, 6)
        assert all(256 * 1024 < p.size <= 512 * 1024 for p in photos)  # one chunk each
        sent.clear()
        report = dev.sync()
    assert report.files_uploaded == 6 and report.files_failed == 0
    assert report.bytes_uploaded == sum(p.size for p in photos)
    assert dev.media.pending() == [] and dev.media.counts()["done"] == 6
    puts = of(sent, "PUT", "/attachments/")
    assert not of(sent, "HEAD"), "nothing was sent of these files before: no HEAD"
    assert len(puts) == 6 and {e[2] for e in puts} == {201}
    assert len({e[3] for e in puts}) == 3, "the files went on three workers"
    assert_whole_on_server(srv, photos)
    dev.close()


def test_uploads_cut_midway_resume_from_the_server_offset(
    srv: Any, tmp_path: Path, sent: Any
) -> None:
    port = urlsplit(srv.url).port
    with CuttingProxy(("127.0.0.1", port)) as proxy:
        dev = login_device(tmp_path / "a", proxy.url, "lan", "dev-a")
        photos = with_photos(dev, 4)
        total = sum(p.size for p in photos)
        dev.sync(upload=False)
        # Small first chunks, then every connection dies 100 KB up, with no retry: the sync
        # stops with some files part-way on the server.
        dev.store.update_settings(upload_chunk_size=32 * 1024, retry_max_attempts=1)
        proxy.arm(100_000, connections=8, direction="up")
        with pytest.raises(ServerUnreachable):
            dev.sync()
        assert proxy.cuts >= 1
        proxy.disarm()
        part = {r["sha256"]: r["uploaded"] for r in dev.media.pending()}
        assert 0 < sum(part.values()) < total
        token = dev.store.get_state("token")
        for sha, uploaded in part.items():
            if uploaded:
                head = httpx.head(
                    f"{srv.api}/attachments/{sha}", headers={"Authorization": f"Bearer {token}"}
                )
                assert head.headers["Upload-Offset"] == str(uploaded)
        dev.store.update_settings(retry_max_attempts=8, retry_base_s=0.01, retry_cap_s=0.05)
        sent.clear()
        report = dev.sync()
    assert dev.media.pending() == []
    # Each part-way file asked the server where it stood, and only the rest went up again.
    assert len(of(sent, "HEAD")) == sum(1 for v in part.values() if v)
    assert report.bytes_uploaded == sum(p.size - part.get(p.sha256, 0) for p in photos)
    assert_whole_on_server(srv, photos)
    dev.close()


def test_a_partial_the_device_does_not_know_of_is_resumed(
    srv: Any, tmp_path: Path, sent: Any
) -> None:
    """The answer to a first chunk was lost (or the app's data was restored): the device
    believes it sent nothing, goes from 0 without HEAD, and the server's 409 puts it right."""
    dev = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    (p,) = with_photos(dev, 1)
    dev.sync(upload=False)
    data = (dev.media.root / dev.media.pending()[0]["path"]).read_bytes()
    other = support.login(srv, "lan", PW, "dev-old")
    first = other.put(
        f"/attachments/{p.sha256}",
        content=data[:65536],
        headers={"Content-Range": f"bytes 0-65535/{len(data)}", "Content-Type": "image/jpeg"},
    )
    assert first.status_code == 204
    sent.clear()
    report = dev.sync()
    assert report.files_uploaded == 1 and report.bytes_uploaded == len(data) - 65536
    assert [(e[0], e[2]) for e in sent if "/attachments/" in e[1]] == [("PUT", 409), ("PUT", 201)]
    assert_whole_on_server(srv, [p])
    dev.close()
