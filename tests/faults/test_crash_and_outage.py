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

import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.crashload import Killer, add_users, problems, run_load, token
from tests.support.server import running_server, sqlite_integrity


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_sigkill_under_load_loses_nothing_and_doubles_nothing(
    tmp_path: Path, database: str, request: pytest.FixtureRequest
) -> None:
    url = None if database == "sqlite" else str(request.getfixturevalue("pg_url"))
    with running_server(tmp_path, url) as srv:
        add_users(srv)
        killer = Killer(srv, times=5, seed=7)
        devices, uploader = run_load(srv.api, killer)
        assert killer.kills == 5
        assert problems(srv.api, devices, uploader) == []
        if database == "sqlite":
            assert sqlite_integrity(srv) == "ok"


@pytest.mark.slow
@pytest.mark.pg
def test_postgresql_outage_under_load_is_503_then_recovers(tmp_path: Path) -> None:
    from tests.support.pg import start_cluster

    cluster = start_cluster()
    try:
        with running_server(tmp_path, cluster.create_database()) as srv:
            add_users(srv)
            seen_503 = 0

            def outage(deadline: float) -> None:
                nonlocal seen_503
                probe_token = token(srv.api, "district", "probe-" + uuid.uuid4().hex[:6])
                time.sleep(1.0)
                cluster.halt()
                probe = httpx.Client(
                    base_url=srv.api, headers={"Authorization": "Bearer " + probe_token}, timeout=10
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

            devices, uploader = run_load(srv.api, outage)
            assert seen_503 > 0
            assert problems(srv.api, devices, uploader) == []
    finally:
        cluster.stop()


def test_the_check_sees_a_change_lost_or_doubled(tmp_path: Path) -> None:
    """``problems`` (this file's and bench/faults.py's verdict) fails when the server holds a
    change more or less than was sent."""
    with running_server(tmp_path) as srv:
        add_users(srv)
        devices, uploader = run_load(srv.api, lambda deadline: None)
        assert problems(srv.api, devices, uploader) == []
        sent = devices[1].sent
        rid = next(r for r, chs in sent.items() if len(chs) > 1)
        last = sent[rid].pop()  # applied on the server, forgotten here: the server has one more
        assert any(p.startswith(f"doubled: {rid}") for p in problems(srv.api, devices, uploader))
        sent[rid].append(last)
        sent[rid].append({**last, "change_id": str(uuid.uuid4())})  # "sent", never arrived
        assert any(p.startswith(f"lost: {rid}") for p in problems(srv.api, devices, uploader))
