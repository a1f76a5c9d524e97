"""Far more requests at once than the server has threads and connections (found by bench/load.py).

A route that held its database connection across FastAPI's threadpool hops deadlocked the server
when more requests than threads came at once: every thread waited for a connection, every
connection was held by a request waiting for a thread, until the pool's 30 s timeout (a 500, then
a 503). Here 200 devices pull (twice), ask for their units and HEAD a file at once: each
answer must be a 200 (404 for the unknown file): a request that waited out the pool's timeout
gets a 503. (Checked: with the routes as they were, this test fails with 503s.)
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from shared_schema.hlc import Clock
from tests.mobile.live import PW
from tests.support.records import change, record_fields
from tests.support.server import DAK_WIL, add_user, running_server

CLIENTS = 200  # five times the threadpool's 40 threads
RECORDS = 2000  # two pages of a pull


def test_many_devices_at_once_all_get_answers(tmp_path: Path) -> None:
    with running_server(tmp_path) as srv:
        add_user(srv, "lan", "field_officer", DAK_WIL, PW)
        token = httpx.post(
            srv.api + "/auth/token", data={"username": "lan", "password": PW, "device_id": "d"}
        ).json()["access_token"]
        with httpx.Client(
            base_url=srv.api, headers={"Authorization": f"Bearer {token}"}, timeout=120
        ) as http:
            clock = Clock("d")
            for _ in range(RECORDS // 1000):
                changes = [
                    change(
                        "residential_area", record_fields("residential_area"), hlc=str(clock.now())
                    )
                    for _ in range(1000)
                ]
                http.post(
                    "/sync/push", json={"device_id": "d", "changes": changes}
                ).raise_for_status()
        gate = threading.Barrier(CLIENTS)
        statuses: list[int] = []
        errors: list[str] = []

        def device() -> None:
            with httpx.Client(
                base_url=srv.api, headers={"Authorization": f"Bearer {token}"}, timeout=120
            ) as http:
                gate.wait()
                try:
                    for path in (
                        "/sync/pull",
                        "/sync/pull?limit=500",
                        "/units",
                        "/attachments/" + "ab" * 32,
                    ):
                        statuses.append(
                            http.request("HEAD" if "att" in path else "GET", path).status_code
                        )
                except httpx.HTTPError as exc:
                    errors.append(repr(exc))

        threads = [threading.Thread(target=device) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sorted(set(statuses)) == [200, 404]
    assert len(statuses) == 4 * CLIENTS
