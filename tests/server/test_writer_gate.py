"""Issue 16: a burst of concurrent admin writes must not stop the server.

Concurrent revocations used to answer 500 ``cannot release un-acquired lock`` and then nothing
answered at all, ``/health`` included: a dependency with ``yield`` took the writers' lock in one
threadpool thread and released it from another. Here 80 revocations arrive at once (users and
devices), then health, a login and a push must answer, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.conftest import PASSWORD
from tests.server.helpers import change, client, push
from tests.support.server import add_users

BURST = 80


def test_eighty_concurrent_revocations_leave_the_server_answering(live_server: Any) -> None:
    tag = uuid.uuid4().hex[:6]
    names = [f"rv{tag}{i}" for i in range(BURST // 2)]
    add_users(live_server, [(n, "field_officer", "24643") for n in names], PASSWORD)
    devices = []
    for n in names:  # each user leaves a device behind, for the device half of the burst
        device = f"dev-{n}"
        r = httpx.post(
            live_server.api + "/auth/token",
            data={"username": n, "password": PASSWORD, "device_id": device},
            timeout=30,
        )
        assert r.status_code == 200, r.text
        devices.append(device)
    manager, _ = client(live_server, "district")
    token = manager.headers["Authorization"]
    paths = [f"/admin/users/{n}/revoke" for n in names] + [
        f"/admin/devices/{d}/revoke" for d in devices
    ]

    start = threading.Barrier(BURST)  # all 80 released at once

    def revoke(path: str) -> int:
        start.wait()
        r = httpx.post(live_server.api + path, headers={"Authorization": token}, timeout=60)
        return r.status_code

    with ThreadPoolExecutor(BURST) as pool:
        statuses = list(pool.map(revoke, paths))
    assert statuses == [204] * BURST

    # The server goes on answering: health, a login, a push.
    assert httpx.get(live_server.api + "/health", timeout=10).status_code == 200
    officer, device = client(live_server, "officer")
    assert push(officer, device, [change(device)])[0]["status"] == "applied"
    # And every revocation took effect.
    for n, d in zip(names, devices, strict=True):
        r = httpx.post(
            live_server.api + "/auth/token",
            data={"username": n, "password": PASSWORD, "device_id": d},
            timeout=30,
        )
        assert r.status_code == 403, (n, r.text)
