"""Several API "hosts" on this machine behind a load balancer, sharing one PostgreSQL and one
bucket, and the faults a deployment of them meets (issue 21):

- :class:`Balancer`: a TCP load balancer (round robin per connection; a host that refuses the
  connection is skipped, as nginx's ``proxy_next_upstream error`` does);
- :class:`Endpoint`: a TCP front on a fixed port for moto's S3 server, that can be killed and
  started again. moto keeps its objects in its process's memory, so killing moto itself would be a
  store replaced by an empty one; killing its endpoint is the outage a restart of a real store
  (MinIO, Ceph) gives: nothing answers, then the same objects are there again;
- :class:`HostFaults`: a ``disturb`` for :func:`tests.support.crashload.run_load`: kill -9 of one
  API process, the S3 endpoint killed and restarted, PostgreSQL restarted, one after another.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

from tests.mobile.proxy import CuttingProxy

__all__ = ["Balancer", "Endpoint", "HostFaults", "children"]


class Balancer(CuttingProxy):
    """Connections to ``targets`` in turn, skipping one that refuses."""

    def __init__(self, targets: list[tuple[str, int]], *, port: int = 0) -> None:
        super().__init__(targets[0], port=port)
        self.targets = list(targets)
        self._turn = 0
        self._turn_lock = threading.Lock()

    def _connect_upstream(self) -> socket.socket:
        with self._turn_lock:
            first, self._turn = self._turn, (self._turn + 1) % len(self.targets)
        error: OSError | None = None
        for i in range(len(self.targets)):
            target = self.targets[(first + i) % len(self.targets)]
            try:
                upstream = socket.create_connection(target, timeout=2)
            except OSError as exc:
                error = exc
                continue
            upstream.settimeout(None)  # 2 s to connect; an answer may take as long as it takes
            return upstream
        assert error is not None
        raise error


class Endpoint:
    """A fixed address in front of ``target`` that can go away and come back."""

    def __init__(self, target: tuple[str, int], port: int) -> None:
        self.target, self.port = target, port
        self.proxy: CuttingProxy | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Endpoint:
        deadline = time.monotonic() + 10
        while True:
            try:
                self.proxy = CuttingProxy(self.target, port=self.port).__enter__()
                return self
            except OSError:  # the port not free yet after a kill
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def kill(self) -> None:
        if self.proxy is not None:
            self.proxy.close()
            self.proxy = None


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (uvicorn's workers under its supervisor)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


class HostFaults:
    """kill -9 of an API worker, the S3 endpoint down for a while, PostgreSQL restarted."""

    def __init__(self, host: Any, endpoint: Endpoint, cluster: Any, *, seed: int) -> None:
        self.host, self.endpoint, self.cluster = host, endpoint, cluster
        self.rng = random.Random(seed)
        self.done: list[str] = []
        self.load: list[threading.Thread] = []
        self.busy: list[int] = []  # load threads still running as each fault ended

    def watch(self, threads: list[threading.Thread]) -> None:
        self.load = threads

    def _did(self, what: str) -> None:
        self.done.append(what)
        self.busy.append(sum(t.is_alive() for t in self.load))

    def __call__(self, deadline: float) -> None:
        time.sleep(self.rng.uniform(0.2, 0.6))
        workers = children(self.host.proc.pid)
        if workers:
            os.kill(self.rng.choice(workers), signal.SIGKILL)
            self._did("kill -9 of an API process")
        time.sleep(self.rng.uniform(0.2, 0.6))
        self.endpoint.kill()
        time.sleep(self.rng.uniform(0.5, 1.0))
        self.endpoint.start()
        self._did("S3 endpoint killed and restarted")
        time.sleep(self.rng.uniform(0.2, 0.6))
        self.cluster.halt()
        time.sleep(self.rng.uniform(0.5, 1.0))
        self.cluster.resume()
        self._did("PostgreSQL restarted")


def _address(srv: Any) -> tuple[str, int]:
    return ("127.0.0.1", int(srv.url.rsplit(":", 1)[1]))


def hosts_round(cluster: Any, moto: Any, tmp: Path, *, seed: int) -> dict[str, Any]:
    """crashload's devices and uploader through a balancer over two hosts of two processes each,
    on one PostgreSQL database of ``cluster`` and one bucket of ``moto``, while :class:`HostFaults`
    strikes; what was done, what was sent and what, if anything, is wrong."""
    from tests.support.crashload import add_users, problems, run_load
    from tests.support.pg import free_port
    from tests.support.server import running_server, server_env, start_server, stop_server

    url = cluster.create_database()
    endpoint = Endpoint(("127.0.0.1", moto.port), free_port()).start()
    env = {**moto.server_env(moto.new_bucket()), "DKST_S3_ENDPOINT_URL": endpoint.url}
    try:
        with running_server(tmp / "a", url, extra_env=env, workers=2) as a:
            add_users(a)
            data_b = tmp / "b" / "server-data"
            data_b.mkdir(parents=True)
            b = start_server(data_b, url, server_env(data_b, url, env), workers=2)
            try:
                with Balancer([_address(a), _address(b)]) as lb:
                    faults = HostFaults(a, endpoint, cluster, seed=seed)
                    api = lb.url + "/api/v1"
                    devices, uploader = run_load(api, faults, on_start=faults.watch)
                    wrong = problems(api, devices, uploader)
            finally:
                stop_server(b)
    finally:
        endpoint.kill()
    return {
        "faults": faults.done,
        "load_threads_running": faults.busy,
        "records": len({rid for d in devices for rid in d.sent}),
        "changes": sum(len(chs) for d in devices for chs in d.sent.values()),
        "files": len(uploader.files),
        "problems": wrong,
    }
