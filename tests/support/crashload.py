"""A load that a fault must not hurt: devices pushing creates and edits (some on shared records,
so they merge and conflict) and an uploader sending files in chunks, all at once, each retrying
what got no answer as the device core does; then :func:`problems` says what, if anything, was lost,
doubled or served wrong.

Used by ``tests/faults/test_crash_and_outage.py`` (SIGKILL, a PostgreSQL outage) and by
``bench/faults.py`` (the same SIGKILLs, many more times).
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from shared_schema.hlc import Clock
from tests.support.records import change, record_fields
from tests.support.server import DAK_WIL, EA_TLING, LiveServer, add_user, start_server

__all__ = [
    "PASSWORD",
    "Device",
    "Killer",
    "Uploader",
    "add_users",
    "problems",
    "run_load",
    "token",
]

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
            out.append(self.change(rid, fields))
        return out

    def change(self, rid: str, fields: dict[str, Any]) -> dict[str, Any]:
        """An upsert of the residential area ``rid``, noted as sent."""
        ch = change("residential_area", fields, hlc=str(self.clock.now()), record_id=rid)
        self.sent.setdefault(rid, []).append(ch)
        return ch

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


def token(base: str, username: str, device_id: str) -> str:
    r = httpx.post(
        base + "/auth/token",
        data={"username": username, "password": PASSWORD, "device_id": device_id},
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def run_load(
    base: str,
    disturb: Callable[[float], None],
    *,
    on_start: Callable[[list[threading.Thread]], None] | None = None,
) -> tuple[list[Device], Uploader]:
    """Four devices push and one uploads, all at once, while ``disturb(deadline)`` runs;
    ``on_start`` is given the load's threads (to tell whether a fault struck under load)."""
    shared = [str(uuid.uuid4()) for _ in range(SHARED)]
    seed_dev = "seed-" + uuid.uuid4().hex[:6]
    seeder = Device(base, token(base, "officer0", seed_dev), seed_dev, shared, 0)
    seed = [
        seeder.change(rid, record_fields("residential_area", DAK_WIL, name="Thôn chung"))
        for rid in shared
    ]
    seeder.send(seed, time.monotonic() + 60)
    devices = [seeder]
    for i in range(1, DEVICES + 1):
        dev = f"dev-{i}-{uuid.uuid4().hex[:6]}"
        devices.append(Device(base, token(base, f"officer{i % 2}", dev), dev, shared, i))
    files = [b"\xff\xd8\xff\xe0" + os.urandom(300_000) for _ in range(4)]
    uploader = Uploader(base, token(base, "officer1", "up-" + uuid.uuid4().hex[:6]), files)
    deadline = time.monotonic() + 240
    threads = [threading.Thread(target=d.run, args=(deadline,)) for d in devices[1:]]
    threads.append(threading.Thread(target=uploader.run, args=(deadline,)))
    for t in threads:
        t.start()
    if on_start is not None:
        on_start(threads)
    disturb(deadline)
    for t in threads:
        t.join()
    return devices, uploader


def problems(base: str, devices: list[Device], uploader: Uploader) -> list[str]:
    """Everything wrong after a run: bad answers, records lost or doubled (a ``rev`` other than
    the number of distinct changes sent), fields not those of the newest change, a file not
    whole; ``[]`` when nothing is."""
    out = [b for d in devices for b in d.bad] + uploader.bad
    district = httpx.Client(
        base_url=base,
        headers={
            "Authorization": "Bearer " + token(base, "district", "check-" + uuid.uuid4().hex[:6])
        },
        timeout=60,
    )
    records: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        r = district.get("/sync/pull", params={"cursor": cursor} if cursor else {})
        if r.status_code != 200:
            return [*out, f"pull → {r.status_code} {r.text[:200]}"]
        for rec in r.json()["records"]:
            records[rec["record_id"]] = rec
        cursor = r.json()["next_cursor"]
        if not r.json()["has_more"]:
            break
    sent: dict[str, list[dict[str, Any]]] = {}
    for d in devices:
        for rid, chs in d.sent.items():
            sent.setdefault(rid, []).extend(chs)
    out += [f"lost: {rid}" for rid in set(sent) - set(records)]
    out += [f"never sent, yet on the server: {rid}" for rid in set(records) - set(sent)]
    for rid, chs in sent.items():
        rec = records.get(rid)
        if rec is None:
            continue
        if rec["rev"] != len(chs):  # each change exactly once
            out.append(f"{'doubled' if rec['rev'] > len(chs) else 'lost'}: {rid} rev "
                       f"{rec['rev']}, {len(chs)} changes sent")  # fmt: skip
        newest: dict[str, tuple[str, Any]] = {}
        for ch in chs:
            for k, v in ch["fields"].items():
                if k not in newest or ch["hlc"] > newest[k][0]:
                    newest[k] = (ch["hlc"], v)
        if {k: rec["fields"].get(k) for k in newest} != {k: v for k, (_, v) in newest.items()}:
            out.append(f"fields not the newest: {rid}")
    for data in uploader.files:
        sha = hashlib.sha256(data).hexdigest()
        r = uploader.http.get(f"/attachments/{sha}")  # visible to its uploader only
        if r.status_code != 200 or r.content != data:
            out.append(f"file not whole: {sha[:12]} → {r.status_code}, {len(r.content)} bytes")
    district.close()
    return out


def add_users(srv: Any) -> None:
    """The two officers (one of two communes) and the district user the load signs in as."""
    for i in range(2):
        add_user(
            srv,
            f"officer{i}",
            "field_officer",
            DAK_WIL if i == 0 else [DAK_WIL, EA_TLING],
            PASSWORD,
        )
    add_user(srv, "district", "district_staff", "662", PASSWORD)


class Killer:
    """A ``disturb`` for :func:`run_load`: SIGKILL the server ``times`` times, 0.3-1.5 s apart,
    each time restarting it at once on the same data and port (``srv.proc`` follows)."""

    def __init__(self, srv: LiveServer, *, times: int, seed: int) -> None:
        self.srv = srv
        self.times = times
        self.rng = random.Random(seed)
        self.kills = 0
        self.port = int(srv.url.rsplit(":", 1)[1])

    def __call__(self, deadline: float) -> None:
        srv = self.srv
        for _ in range(self.times):
            time.sleep(self.rng.uniform(0.3, 1.5))
            srv.proc.kill()
            srv.proc.wait()
            self.kills += 1
            srv.proc = start_server(srv.data_dir, srv.database_url, srv.env, port=self.port).proc
