"""GET /api/v1/health/ready and GET /metrics (issue 21), through real HTTP.

Readiness is checked against a database and a store that really go away: a PostgreSQL cluster of
the test's own stopped and started, moto's server killed and started.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PASSWORD, STANDARD_USERS
from tests.server.helpers import change, client, error_code, pull_all, push
from tests.server.test_attachments import make_file, upload
from tests.support.pg import start_cluster
from tests.support.s3 import MotoServer
from tests.support.server import add_users, running_server

TOKEN = "prometheus-secret-token-for-tests"


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    env = {"DKST_METRICS_TOKEN": TOKEN}
    with running_server(tmp_path_factory.mktemp("ops"), in_process=True, extra_env=env) as s:
        add_users(s, list(STANDARD_USERS), PASSWORD)
        yield s


def samples(srv: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = httpx.get(srv.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def delta(after: dict[Any, float], before: dict[Any, float], name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_ready_when_the_database_and_the_store_answer(srv: Any) -> None:
    r = httpx.get(srv.api + "/health/ready")
    assert r.status_code == 200
    assert r.json()["status"] == "ready"
    assert (r.json()["database"], r.json()["blob_store"]) == ("ok", "ok")


def test_metrics_only_with_the_token(srv: Any) -> None:
    assert httpx.get(srv.url + "/metrics").status_code == 404
    wrong = httpx.get(srv.url + "/metrics", headers={"Authorization": "Bearer nope"})
    assert (wrong.status_code, error_code(wrong)) == (404, "not_found")


def test_metrics_count_requests_sync_and_uploads(srv: Any) -> None:
    before = samples(srv)
    c, device = client(srv, "officer")
    with c:
        results = push(c, device, [change(device), change(device)])
        assert [r["status"] for r in results] == ["applied", "applied"]
        records, _ = pull_all(c)
        data, sha = make_file(30_000)
        assert upload(c, sha, data, 20_000).status_code == 201
        assert c.get("/attachments/" + "0" * 64).status_code == 404
        assert c.get("/no/such/path").status_code == 404
    after = samples(srv)
    route = "/api/v1/attachments/{sha256}"
    assert delta(after, before, "dkst_sync_push_batches_total") == 1
    assert delta(after, before, "dkst_sync_push_changes_total", status="applied") == 2
    assert delta(after, before, "dkst_sync_pull_pages_total") >= 1
    assert delta(after, before, "dkst_sync_pull_records_total") == len(records)
    assert delta(after, before, "dkst_upload_bytes_total") == 30_000
    req = "dkst_http_requests_total"
    assert delta(after, before, req, method="PUT", route=route, status="204") == 1
    assert delta(after, before, req, method="PUT", route=route, status="201") == 1
    assert delta(after, before, req, method="GET", route=route, status="404") == 1
    assert delta(after, before, req, method="GET", route="unmatched", status="404") == 1
    assert delta(after, before, req, method="POST", route="/api/v1/sync/push", status="200") == 1
    hist = "dkst_http_request_duration_seconds_count"
    assert delta(after, before, hist, method="POST", route="/api/v1/sync/push") == 1
    # A label per route template, never per file: no hash in any label.
    assert not any(sha in str(labels) for _, labels in after)


def test_not_ready_while_the_store_is_away(tmp_path: Path) -> None:
    with MotoServer.start() as moto:
        bucket = moto.new_bucket()
        with running_server(tmp_path, in_process=True, extra_env=moto.server_env(bucket)) as s:
            assert httpx.get(s.api + "/health/ready").status_code == 200
            moto.halt()
            r = httpx.get(s.api + "/health/ready")
            assert (r.status_code, error_code(r)) == (503, "unavailable")
            assert r.json()["error"]["details"] == {"unavailable": ["blob_store"]}
            assert int(r.headers["Retry-After"]) > 0
            assert httpx.get(s.api + "/health").status_code == 200  # alive, not ready
            moto.resume()
            moto.new_bucket(bucket)
            assert httpx.get(s.api + "/health/ready").status_code == 200


@pytest.mark.pg
def test_not_ready_while_the_database_is_away(tmp_path: Path) -> None:
    cluster = start_cluster()
    try:
        url = cluster.create_database()
        with running_server(tmp_path, url, in_process=True) as s:
            assert httpx.get(s.api + "/health/ready").status_code == 200
            cluster.halt()
            r = httpx.get(s.api + "/health/ready", timeout=60)
            assert (r.status_code, error_code(r)) == (503, "unavailable")
            assert r.json()["error"]["details"] == {"unavailable": ["database"]}
            cluster.resume()
            assert httpx.get(s.api + "/health/ready", timeout=60).status_code == 200
    finally:
        cluster.stop()


def test_metrics_add_up_the_workers_of_a_host(tmp_path: Path) -> None:
    """``dkst serve --workers N`` sets PROMETHEUS_MULTIPROC_DIR: any worker answers for all."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {"DKST_METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    with running_server(tmp_path, extra_env=env, workers=2) as s:
        for _ in range(20):  # new connections: the kernel spreads them over both workers
            with httpx.Client() as c:
                assert c.get(s.api + "/health").status_code == 200
        got = samples(s)
        # Both workers counted (a file per process), and the answer is their sum.
        assert len(list(folder.glob("counter_*.db"))) >= 2
    key = (
        "dkst_http_requests_total",
        (("method", "GET"), ("route", "/api/v1/health"), ("status", "200")),
    )
    assert got[key] >= 20  # the start-up probes count too
