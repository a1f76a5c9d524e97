"""Several API processes on several "hosts" sharing one PostgreSQL and one bucket (issue 21).

Host A is ``uvicorn --workers 2`` (what ``dkst serve --workers 2`` runs), host B one process with a
data directory of its own: nothing but the database and the bucket joins them. One field device
(the real device core, mobile/core) syncs through a load balancer that sends it to A, then to B,
then back: an upload cut on A resumes on B, and at the end both hosts serve exactly what the device
holds, every change once, every file whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mobile.core.http import ServerUnreachable
from tests.mobile.live import (
    PW,
    device_state,
    download_sha,
    login_device,
    server_change_counts,
    server_state,
)
from tests.mobile.proxy import CuttingProxy
from tests.mobile.test_uploads_live import with_photos
from tests.support import server as support
from tests.support.s3 import MotoServer

pytestmark = pytest.mark.pg


@pytest.fixture
def hosts(pg_url: str, moto: MotoServer, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    env = moto.server_env(moto.new_bucket())
    with support.running_server(tmp_path / "a", pg_url, extra_env=env, workers=2) as a:
        support.add_user(a, "lan", "field_officer", support.DAK_WIL, PW)
        data_b = tmp_path / "b" / "server-data"
        data_b.mkdir(parents=True)
        b = support.start_server(data_b, pg_url, support.server_env(data_b, pg_url, env))
        try:
            yield a, b
        finally:
            support.stop_server(b)


def _port(srv: Any) -> tuple[str, int]:
    return ("127.0.0.1", int(srv.url.rsplit(":", 1)[1]))


def test_one_device_through_two_hosts_alternately(hosts: tuple[Any, Any], tmp_path: Path) -> None:
    a, b = hosts
    with CuttingProxy(_port(a)) as balancer:
        dev = login_device(tmp_path / "dev", balancer.url, "lan", "dev-a")
        photos = with_photos(dev, 4)
        assert dev.sync(upload=False).applied == 6  # through A

        # Uploads cut part-way on A, with no retry: some files are partial on the server.
        dev.store.update_settings(upload_chunk_size=32 * 1024, retry_max_attempts=1)
        balancer.arm(100_000, connections=8, direction="up")
        with pytest.raises(ServerUnreachable):
            dev.sync()
        balancer.disarm()
        partial = {r["sha256"]: r["uploaded"] for r in dev.media.pending() if r["uploaded"]}
        assert partial, "nothing was left part-way"
        # B sees the partials A received: they live in the bucket and the database.
        token = dev.store.get_state("token")
        for sha, uploaded in partial.items():
            head = httpx.head(
                f"{b.api}/attachments/{sha}", headers={"Authorization": f"Bearer {token}"}
            )
            assert head.headers["Upload-Offset"] == str(uploaded)

        balancer.target = _port(b)  # the balancer now sends the device to B
        dev.store.update_settings(retry_max_attempts=8, retry_base_s=0.01, retry_cap_s=0.05)
        report = dev.sync()
        assert dev.media.pending() == []
        assert report.files_uploaded == len(photos)

        # Edits, alternately through each host; each pulls what went through the other.
        model = next(r for r in dev.records.list("model"))
        for i, host in enumerate((a, b, a, b)):
            balancer.target = _port(host)
            dev.records.edit(model.record_id, {"participating_households": 10 + i})
            assert dev.sync().applied == 1

    assert server_state(a.api, "lan") == server_state(b.api, "lan") == device_state(dev)
    assert set(server_change_counts(a).values()) == {1}  # nothing doubled
    for p in photos:
        assert download_sha(a.api, "lan", p.sha256) == p.sha256
        assert download_sha(b.api, "lan", p.sha256) == p.sha256
