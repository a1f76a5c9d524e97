"""A pull that follows the cursor while other processes push never skips a change (SYNC.md "Pull").

Two server processes share one database (PostgreSQL, or one SQLite file), two pusher processes each
push through their own server as their own user and device, and the test follows ``/sync/pull``
from the cursor, alternating between the servers, until the pushers are done, then drains. Every
record a pusher got ``applied`` for must have been seen. On PostgreSQL this is the proof that change
numbering under the advisory lock commits in sequence order (TRAPS.md): a ``seq`` taken by one
transaction and committed after a higher one would otherwise be skipped by a cursor already past it.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared_schema.hlc import Clock
from tests.support.records import change as build_change
from tests.support.records import record_fields
from tests.support.server import (
    DAK_WIL,
    LiveServer,
    add_user,
    login,
    prepare_database,
    server_env,
    start_server,
    stop_server,
)

PASSWORD = "mật khẩu đủ dài"
BATCHES = 20
PER_BATCH = 50
PUSH_TIME_LIMIT = 180.0
DRAIN_TIME_LIMIT = 60.0
FOLLOWER_LIMITS = (5, 37, 1000)
KINDS = ("thon", "xom", "ban", "buon", "ap", "to_dan_pho")


def _pusher(api: str, token: str, device_id: str, out: str) -> None:
    """Push ``BATCHES`` batches of new residential areas, each later batch also editing older ones.

    Runs in its own process; writes the record ids the server applied to ``out`` as JSON.
    """
    clock = Clock(device_id)
    applied: set[str] = set()
    created: list[str] = []
    deadline = time.monotonic() + PUSH_TIME_LIMIT
    with httpx.Client(
        base_url=api, headers={"Authorization": "Bearer " + token}, timeout=60
    ) as client:
        for b in range(BATCHES):
            if time.monotonic() > deadline:
                break
            changes: list[dict[str, Any]] = []
            for i in range(PER_BATCH):
                if b and i % 5 == 0:  # one change in five edits a record of an earlier batch
                    rid = created[(b * PER_BATCH + i) % len(created)]
                    fields: dict[str, Any] = {"households": b * 1000 + i}
                else:
                    rid = str(uuid.uuid4())
                    created.append(rid)
                    fields = record_fields(
                        "residential_area",
                        DAK_WIL,
                        name=f"Thôn {device_id} {b}-{i}",
                        kind=KINDS[i % len(KINDS)],
                    )
                changes.append(
                    build_change("residential_area", fields, hlc=str(clock.now()), record_id=rid)
                )
            r = client.post("/sync/push", json={"device_id": device_id, "changes": changes})
            r.raise_for_status()
            for change, result in zip(changes, r.json()["results"], strict=True):
                if result["status"] in ("applied", "conflict"):
                    applied.add(change["record_id"])
    Path(out).write_text(json.dumps(sorted(applied)))


@dataclass
class _Follower:
    """Follows the pull feed from the start, alternating servers, until told to drain and stop."""

    clients: list[httpx.Client]
    limit: int
    seen: set[str] = field(default_factory=set)
    pages: int = 0
    seen_while_pushing: int = 0
    error: BaseException | None = None
    pushing: threading.Event = field(default_factory=threading.Event)
    cursor: str | None = None

    def _page(self) -> bool:
        client = self.clients[self.pages % len(self.clients)]
        params: dict[str, Any] = {"limit": self.limit}
        if self.cursor is not None:
            params["cursor"] = self.cursor
        r = client.get("/sync/pull", params=params)
        r.raise_for_status()
        body = r.json()
        self.pages += 1
        self.seen.update(rec["record_id"] for rec in body["records"])
        if self.pushing.is_set():
            self.seen_while_pushing = len(self.seen)
        self.cursor = body["next_cursor"]
        return bool(body["has_more"])

    def run(self) -> None:
        try:
            while self.pushing.is_set():
                self._page()  # no pause when caught up: every snapshot is a chance to catch a gap
            deadline = time.monotonic() + DRAIN_TIME_LIMIT
            while self._page():
                assert time.monotonic() < deadline, "final drain did not finish"
        except BaseException as exc:  # handed to the test thread
            self.error = exc


@pytest.fixture
def two_servers(
    tmp_path: Path, database_url: str | None
) -> Iterator[tuple[LiveServer, LiveServer]]:
    data_dir = tmp_path / "server-data"
    data_dir.mkdir()
    env = server_env(data_dir, database_url)
    prepare_database(data_dir, database_url, "662")
    first = start_server(data_dir, database_url, env)
    try:
        second = start_server(data_dir, database_url, env)
        try:
            yield first, second
        finally:
            stop_server(second)
    finally:
        stop_server(first)


@pytest.mark.timeout(600)
def test_pull_following_concurrent_pushes_skips_nothing(
    two_servers: tuple[LiveServer, LiveServer], tmp_path: Path
) -> None:
    first, second = two_servers
    for name in ("pusher_a", "pusher_b", "reader"):
        add_user(first, name, "field_officer", DAK_WIL, PASSWORD)
    tokens = {}
    for name, srv in (("pusher_a", first), ("pusher_b", second)):
        with login(srv, name, PASSWORD, f"dev-{name}") as c:
            tokens[name] = str(c.headers["Authorization"]).removeprefix("Bearer ")
    readers = [login(srv, "reader", PASSWORD, "dev-reader") for srv in (first, second)]

    # Several followers, each with its own cursor: more snapshots taken while pushes commit. Small
    # pages stop a cursor inside one push's range of sequence numbers; large ones jump over many.
    pushing = threading.Event()
    pushing.set()
    followers = [_Follower(readers, limit, pushing=pushing) for limit in FOLLOWER_LIMITS]
    threads = [threading.Thread(target=f.run, daemon=True) for f in followers]
    for t in threads:
        t.start()

    ctx = multiprocessing.get_context("spawn")
    outs = {name: tmp_path / f"{name}.json" for name in tokens}
    procs = [
        ctx.Process(target=_pusher, args=(srv.api, tokens[name], f"dev-{name}", str(outs[name])))
        for name, srv in (("pusher_a", first), ("pusher_b", second))
    ]
    started = time.monotonic()
    try:
        for p in procs:
            p.start()
        for p in procs:
            p.join(PUSH_TIME_LIMIT + 30 - (time.monotonic() - started))
        assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join()
        pushing.clear()
        for t in threads:
            t.join(DRAIN_TIME_LIMIT + 30)
        for c in readers:
            c.close()
    assert not any(t.is_alive() for t in threads), "a follower did not stop"
    for f in followers:
        if f.error is not None:
            raise f.error

    pushed = {name: set(json.loads(out.read_text())) for name, out in outs.items()}
    new_per_pusher = PER_BATCH + (BATCHES - 1) * (PER_BATCH - PER_BATCH // 5)
    assert all(len(ids) == new_per_pusher for ids in pushed.values()), {
        k: len(v) for k, v in pushed.items()
    }
    everything = pushed["pusher_a"] | pushed["pusher_b"]
    for f in followers:
        missing = everything - f.seen
        assert not missing, (
            f"limit={f.limit}: {len(missing)} of {len(everything)} pushed records never pulled, "
            f"e.g. {sorted(missing)[:3]}"
        )
        assert f.seen <= everything
        # The feed really was followed while the pushes committed, not only drained afterwards.
        assert f.seen_while_pushing > 0, (f.limit, f.pages)
