"""One round of ``bench/faults.py --hosts`` (issue 21): four API processes on two "hosts" behind a
load balancer, sharing one PostgreSQL and one bucket, under load while one API process is killed
with SIGKILL, the S3 endpoint is killed and restarted, and PostgreSQL is restarted. Nothing may be
lost, doubled or served partial; uploads resume through whichever process answers next.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.hosts import hosts_round
from tests.support.pg import start_cluster
from tests.support.s3 import MotoServer

pytestmark = [pytest.mark.pg, pytest.mark.slow]


def test_one_round_of_host_faults(moto: MotoServer, tmp_path: Path) -> None:
    cluster = start_cluster()  # its own: this test stops and starts it
    try:
        r = hosts_round(cluster, moto, tmp_path, seed=2001)
    finally:
        cluster.stop()
    assert r["faults"] == [
        "kill -9 of an API process",
        "S3 endpoint killed and restarted",
        "PostgreSQL restarted",
    ]
    assert all(n > 0 for n in r["load_threads_running"]), r  # each fault struck under load
    assert r["changes"] > 0 and r["files"] == 4
    assert r["problems"] == []
