"""Servers of their own: the per-address login limit (100 failures) and 503 ``unavailable``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.contract import DAK_WIL, Client, assert_error, uid
from tests.support.server import add_user, running_server


def test_login_rate_limited_per_address(tmp_path_factory: pytest.TempPathFactory) -> None:
    with running_server(tmp_path_factory.mktemp("addr")) as srv:
        add_user(srv, "someone", "field_officer", DAK_WIL, PASSWORD)
        with httpx.Client(base_url=srv.api, timeout=60) as h:
            statuses = []
            for i in range(101):
                # a different username each time: only the per-address count can trip
                r = h.post(
                    "/auth/token",
                    data={"username": f"u{i}-{uid()[:6]}", "password": "x", "device_id": "d1"},
                )
                statuses.append(r.status_code)
            assert set(statuses[:100]) == {401}, statuses
            assert statuses[100] == 429
            r = h.post(
                "/auth/token",
                data={"username": "someone", "password": PASSWORD, "device_id": "d1"},
            )
            assert_error(r, 429, "rate_limited")
            assert int(r.headers["Retry-After"]) > 0


@pytest.mark.pg
def test_unavailable_when_database_is_gone(
    pg_cluster: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # It drops a database: only on the suite's own throwaway cluster, never on DKST_TEST_PG_URL's.
    assert pg_cluster is not None, "run without DKST_TEST_PG_URL: this test drops a database"
    import psycopg

    url = pg_cluster.create_database()
    name = url.rsplit("/", 1)[1]
    with running_server(tmp_path_factory.mktemp("gone"), url) as srv:
        add_user(srv, "someone", "field_officer", DAK_WIL, PASSWORD)
        cl = Client(srv, "someone", "d1")
        assert cl.get("/units").status_code == 200
        with psycopg.connect(
            f"host=127.0.0.1 port={pg_cluster.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        for method, path in (("GET", "/units"), ("GET", "/sync/pull"), ("POST", "/sync/push")):
            kw = {"json": {"device_id": "d1", "changes": []}} if method == "POST" else {}
            r = cl.request(method, path, **kw)
            assert_error(r, 503, "unavailable")
            assert int(r.headers["Retry-After"]) > 0
        r = httpx.post(
            srv.api + "/auth/token",
            data={"username": "someone", "password": PASSWORD, "device_id": "d1"},
        )
        assert_error(r, 503, "unavailable")
        assert "Retry-After" in r.headers
        cl.close()
