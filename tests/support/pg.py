"""A throwaway PostgreSQL cluster for tests: initdb into a temp dir, pg_ctl start on a private port.

initdb refuses to run as root (TRAPS.md), so as root the cluster is made and run as `postgres`.
Set ``DKST_TEST_PG_URL`` to use an existing server instead.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_pg(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@dataclass
class PgCluster:
    root: Path
    port: int
    bindir: Path
    opts: str = ""

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def _ctl(self, *args: str) -> None:
        cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), *args]
        subprocess.run(_as_pg(cmd), capture_output=True)

    def halt(self) -> None:
        """Stop the server at once, as a crash or an outage would; its data stays (``resume``)."""
        self._ctl("-m", "immediate", "stop")

    def resume(self) -> None:
        self._ctl("-o", self.opts, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(*, durable: bool = False) -> PgCluster:
    """A throwaway cluster; fast and not crash-safe (fsync off) unless ``durable`` (benchmarks)."""
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install -y postgresql")
    root = Path(tempfile.mkdtemp(prefix="dkst-pg-"))
    os.chmod(root, 0o777)
    data = root / "data"
    port = free_port()
    subprocess.run(
        _as_pg(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    speed = "" if durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    opts = (
        f"-c port={port} -c listen_addresses=127.0.0.1 {speed}"
        f"-c unix_socket_directories={root} -c max_connections=200"
    )
    subprocess.run(
        _as_pg(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.1)
    return PgCluster(root, port, bindir, opts)
