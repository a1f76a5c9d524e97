"""The server is killed (SIGKILL) at random moments under load, and PostgreSQL goes away under load.

Four devices push batches of creates and edits (some of them on the same records, so they merge
and conflict) and one uploads files in chunks, all at once, each retrying what got no answer, as
the device core does. Meanwhile the server process is killed with SIGKILL several times and
restarted on the same data, or the PostgreSQL server is stopped and started. Afterwards:

- no request got a 5xx other than 503 `unavailable` (with Retry-After) — the database gone — and no
  answer was ever wrong;
- every change is applied exactly once: each record's `rev` is the number of distinct changes sent
  for it, its fields are those of its newest change, and the change log holds each change once;
- every file is whole, and a partial upload is never served;
- SQLite's `PRAGMA integrity_check` is ok.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared_schema.hlc import Clock
from tests.support.records import record_fields
from tests.support.server import (
    DAK_WIL,
    EA_TLING,
    add_user,
    running_server,
    sqlite_integrity,
    start_server,
)

PASSWORD = "mật khẩu đủ dài"
DEVICES = 4
BATCHES = 8
BATCH = 40
SHARED = 12  # records every device edits: merges and conflicts


class Device:
    """A pusher that re-sends a batch until it gets an answer, as mobile.core's sync client does."""

    def __init__(self, base: str, token: str, device_id: str, shared: list[str], seed: int) -> None:
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": "Bearer " + token}, timeout=15
        )
        self.device_id = device_id
        self.clock = Clock(device_id)
        self.rng = random.Random(seed)
        self.shared = shared
        self.own: list[str] = []
        self.sent: dict[str, list[dict[str, Any]]] = {}  # record_id → its changes, in order
        self.bad: list[str] = []  # any answer that is not 200 or 503

    def batch(self) -> list[dict[str, Any]]:
        out = []
        for _ in range(BATCH):
            roll = self.rng.random()
            if roll < 0.5 or not self.own:
                rid, fields = (
                    str(uuid.uuid4()),
                    record_fields(
                        "residential_area", DAK_WIL, name=f"Thôn {self.rng.randint(1, 999)}"
                    ),
                )
                self.own.append(rid)
            else:
                pool = self.shared if roll < 0.75 else self.own
                rid = self.rng.choice(pool)
                fields = {"households": self.rng.randint(1, 500)}
            ch = {
                "change_id": str(uuid.uuid4()),
                "entity": "residential_area",
                "record_id": rid,
                "op": "upsert",
                "base_rev": None,
                "hlc": str(self.clock.now()),
                "fields": fields,
            }
            self.sent.setdefault(rid, []).append(ch)
            out.append(ch)
        return out

    def send(self, changes: list[dict[str, Any]], deadline: float) -> None:
        body = {"device_id": self.device_id, "changes": changes}
        while time.monotonic() < deadline:
            try:
                r = self.http.post("/sync/push", json=body)
            except httpx.HTTPError:
                time.sleep(0.1)
                continue
            if r.status_code == 200:
                statuses = {x["status"] for x in r.json()["results"]}
                if not statuses <= {"applied", "conflict", "duplicate"}:
                    self.bad.append(f"push results {statuses}: {r.text[:300]}")
                return
            if r.status_code == 503 and r.json()["error"]["code"] == "unavailable":
                assert "Retry-After" in r.headers
                time.sleep(0.2)
                continue
            self.bad.append(f"push → {r.status_code} {r.text[:300]}")
            return
        self.bad.append("push never answered")

    def run(self, deadline: float) -> None:
        for _ in range(BATCHES):
            self.send(self.batch(), deadline)


class Uploader:
    """Uploads files in chunks, resuming from HEAD after any failure; checks partials are hidden."""

    def __init__(self, base: str, token: str, files: list[bytes]) -> None:
        self.http = httpx.Client(
            base_url=base, headers={"Authorization": "Bearer " + token}, timeout=15
        )
        self.files = files
        self.bad: list[str] = []

    def _offset(self, sha: str) -> int | None:
        r = self.http.head(f"/attachments/{sha}")
        if r.status_code == 404:
            return 0
        if r.status_code != 200:
            return None
        if r.headers.get("Upload-Complete") == "?1":
            return -1
        return int(r.headers["Upload-Offset"])

    def run(self, deadline: float) -> None:
        chunk = 64 * 1024
        for data in self.files:
            sha = hashlib.sha256(data).hexdigest()
            while time.monotonic() < deadline:
                try:
                    offset = self._offset(sha)
                    if offset is None:
                        time.sleep(0.1)
                        continue
                    if offset == -1:
                        break
                    if offset > 0:  # a partial upload is never served (503: database away)
                        g = self.http.get(f"/attachments/{sha}")
                        if g.status_code not in (404, 503):
                            self.bad.append(f"partial served: {g.status_code}")
                    end = min(offset + chunk, len(data)) - 1
                    r = self.http.put(
                        f"/attachments/{sha}",
                        content=data[offset : end + 1],
                        headers={
                            "Content-Range": f"bytes {offset}-{end}/{len(data)}",
                            "Content-Type": "image/jpeg",
                        },
                    )
                    if r.status_code not in (200, 201, 204, 409, 503):
                        self.bad.append(f"put → {r.status_code} {r.text[:200]}")
                        return
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                self.bad.append("upload never finished")


def _token(base: str, username: str, device_id: str) -> str:
    r = httpx.post(
        base + "/auth/token",
        data={"username": username, "password": PASSWORD, "device_id": device_id},
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def _run_load(base: str, disturb: Callable[[float], None]) -> tuple[list[Device], Uploader]:
    shared = [str(uuid.uuid4()) for _ in range(SHARED)]
    seed_dev = "seed-" + uuid.uuid4().hex[:6]
    seeder = Device(base, _token(base, "officer0", seed_dev), seed_dev, shared, 0)
    seed = []
    for rid in shared:
        ch = {
            "change_id": str(uuid.uuid4()),
            "entity": "residential_area",
            "record_id": rid,
            "op": "upsert",
            "base_rev": None,
            "hlc": str(seeder.clock.now()),
            "fields": record_fields("residential_area", DAK_WIL, name="Thôn chung"),
        }
        seeder.sent[rid] = [ch]
        seed.append(ch)
    seeder.send(seed, time.monotonic() + 60)
    devices = [seeder]
    for i in range(1, DEVICES + 1):
        dev = f"dev-{i}-{uuid.uuid4().hex[:6]}"
        devices.append(Device(base, _token(base, f"officer{i % 2}", dev), dev, shared, i))
    files = [b"\xff\xd8\xff\xe0" + os.urandom(300_000) for _ in range(4)]
    uploader = Uploader(base, _token(base, "officer1", "up-" + uuid.uuid4().hex[:6]), files)
    deadline = time.monotonic() + 240
    threads = [threading.Thread(target=d.run, args=(deadline,)) for d in devices[1:]]
    threads.append(threading.Thread(target=uploader.run, args=(deadline,)))
    for t in threads:
        t.start()
    disturb(deadline)
    for t in threads:
        t.join()
    return devices, uploader


def _check(base: str, devices: list[Device], uploader: Uploader) -> None:
    assert not [b for d in devices for b in d.bad], [b for d in devices for b in d.bad][:5]
    assert not uploader.bad, uploader.bad[:5]
    district = httpx.Client(
        base_url=base,
        headers={
            "Authorization": "Bearer " + _token(base, "district", "check-" + uuid.uuid4().hex[:6])
        },
        timeout=60,
    )
    records: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        r = district.get("/sync/pull", params={"cursor": cursor} if cursor else {})
        assert r.status_code == 200
        for rec in r.json()["records"]:
            records[rec["record_id"]] = rec
        cursor = r.json()["next_cursor"]
        if not r.json()["has_more"]:
            break
    sent: dict[str, list[dict[str, Any]]] = {}
    for d in devices:
        for rid, chs in d.sent.items():
            sent.setdefault(rid, []).extend(chs)
    assert set(records) == set(sent)
    for rid, chs in sent.items():
        rec = records[rid]
        assert rec["rev"] == len(chs), (rid, rec["rev"], len(chs))  # each change exactly once
        newest: dict[str, tuple[str, Any]] = {}
        for ch in chs:
            for k, v in ch["fields"].items():
                if k not in newest or ch["hlc"] > newest[k][0]:
                    newest[k] = (ch["hlc"], v)
        assert {k: rec["fields"][k] for k in newest} == {k: v for k, (_, v) in newest.items()}
    for data in uploader.files:
        sha = hashlib.sha256(data).hexdigest()
        r = uploader.http.get(f"/attachments/{sha}")
        assert r.status_code == 200 and r.content == data
    district.close()


def _users(srv: Any) -> None:
    for i in range(2):
        add_user(
            srv,
            f"officer{i}",
            "field_officer",
            DAK_WIL if i == 0 else [DAK_WIL, EA_TLING],
            PASSWORD,
        )
    add_user(srv, "district", "district_staff", "662", PASSWORD)


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_sigkill_under_load_loses_nothing_and_doubles_nothing(
    tmp_path: Path, database: str, request: pytest.FixtureRequest
) -> None:
    url = None if database == "sqlite" else str(request.getfixturevalue("pg_url"))
    with running_server(tmp_path, url) as srv:
        _users(srv)
        port = int(srv.url.rsplit(":", 1)[1])
        kills = 0

        def kill_and_restart(deadline: float) -> None:
            nonlocal srv, kills
            rng = random.Random(7)
            for _ in range(5):
                time.sleep(rng.uniform(0.3, 1.5))
                srv.proc.kill()
                srv.proc.wait()
                kills += 1
                srv_new = start_server(srv.data_dir, srv.database_url, srv.env, port=port)
                srv.proc = srv_new.proc

        devices, uploader = _run_load(srv.api, kill_and_restart)
        assert kills == 5
        _check(srv.api, devices, uploader)
        if database == "sqlite":
            assert sqlite_integrity(srv) == "ok"


@pytest.mark.slow
@pytest.mark.pg
def test_postgresql_outage_under_load_is_503_then_recovers(tmp_path: Path) -> None:
    from tests.support.pg import start_cluster

    cluster = start_cluster()
    try:
        with running_server(tmp_path, cluster.create_database()) as srv:
            _users(srv)
            seen_503 = 0

            def outage(deadline: float) -> None:
                nonlocal seen_503
                token = _token(srv.api, "district", "probe-" + uuid.uuid4().hex[:6])
                time.sleep(1.0)
                cluster.halt()
                probe = httpx.Client(
                    base_url=srv.api, headers={"Authorization": "Bearer " + token}, timeout=10
                )
                t_end = time.monotonic() + 3
                while time.monotonic() < t_end:
                    r = probe.get("/forms")  # authenticates against the database
                    assert r.status_code == 503, r.text
                    assert r.json()["error"]["code"] == "unavailable" and "Retry-After" in r.headers
                    seen_503 += 1
                    time.sleep(0.2)
                cluster.resume()
                probe.close()

            devices, uploader = _run_load(srv.api, outage)
            assert seen_503 > 0
            _check(srv.api, devices, uploader)
    finally:
        cluster.stop()
