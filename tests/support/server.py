"""Run the real server as a uvicorn subprocess on 127.0.0.1 for integration tests.

with running_server(tmp_path) as srv:          # SQLite in tmp_path
    add_user(srv, "lan", "field_officer", "24643", "mật khẩu dài")
    requests.post(srv.url + "/api/v1/auth/token", ...)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.pg import free_port

ROOT = Path(__file__).resolve().parents[2]
CU_JUT = "662"
# Communes of Cư Jút (legacy codes).
EA_TLING, DAK_WIL = "24640", "24643"
# A second district beside Cư Jút, so that scope tests cross a district line (issue 7).
DAK_MIL = "663"
DAK_LAO = "24667"  # Xã Đắk Lao, a commune of Đắk Mil


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    database_url: str | None
    proc: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.url + "/api/v1"

    def settings(self):  # type: ignore[no-untyped-def]
        from server.config import ServerSettings

        return ServerSettings(data_dir=self.data_dir, database_url=self.database_url)


def server_env(
    data_dir: Path, database_url: str | None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    env["DKST_DATA_DIR"] = str(data_dir)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra or {})
    return env


def dkst(
    *args: str, env: dict[str, str], input: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dkst", *args],
        env=env,
        input=input,
        text=True,
        capture_output=True,
        check=check,
    )


def start_server(
    data_dir: Path,
    database_url: str | None,
    env: dict[str, str],
    port: int | None = None,
    *,
    workers: int = 1,
) -> LiveServer:
    """uvicorn as ``dkst serve`` runs it; ``workers`` > 1: that many processes on one port."""
    port = port or free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "server.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--http",
            "server.api.http_protocol:JsonErrorHttpToolsProtocol",
            *(["--workers", str(workers)] if workers > 1 else []),
        ],
        env=env,
        cwd=str(ROOT),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url + "/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("server did not start in 60 s")
        time.sleep(0.1)
    return LiveServer(url, data_dir, database_url, proc, env)


def stop_server(srv: LiveServer) -> None:
    srv.proc.terminate()
    try:
        srv.proc.wait(10)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
        srv.proc.wait()


def sqlite_integrity(srv: LiveServer) -> str:
    """``PRAGMA integrity_check`` of the server's SQLite database (``"ok"`` when whole)."""
    from sqlalchemy import text

    from server.db.engine import make_engine, read_tx

    engine = make_engine(srv.settings().db_url)
    try:
        with read_tx(engine) as conn:
            return str(conn.execute(text("PRAGMA integrity_check")).scalar())
    finally:
        engine.dispose()


def import_units(data_dir: Path, under: str, env: dict[str, str]) -> None:
    """``dkst units import`` of the legacy units under ``under`` into the server's data dir."""
    dkst("units", "import", "--source", "legacy", "--under", under, "--data-dir", str(data_dir),
         env=env)  # fmt: skip


@contextmanager
def running_server(
    tmp_path: Path,
    database_url: str | None = None,
    *,
    units_under: str | tuple[str, ...] | None = (CU_JUT, DAK_MIL),
    extra_env: dict[str, str] | None = None,
    workers: int = 1,
) -> Iterator[LiveServer]:
    """Migrate, import the units under ``units_under`` (legacy source), start uvicorn; stop on exit."""
    data_dir = tmp_path / "server-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(data_dir, database_url, extra_env)
    for under in (units_under,) if isinstance(units_under, str) else units_under or ():
        import_units(data_dir, under, env)
    srv = start_server(data_dir, database_url, env, workers=workers)
    try:
        yield srv
    finally:
        stop_server(srv)


def add_user(
    srv: LiveServer, username: str, role: str, unit: str | list[str], password: str
) -> None:
    """Create a user straight in the server's database (the CLI path is tested on its own)."""
    from server.db.engine import make_engine, write_tx
    from server.services.auth import add_user as _add

    engine = make_engine(srv.settings().db_url)
    try:
        with write_tx(engine) as conn:
            _add(
                conn,
                username=username,
                password=password,
                role=role,
                unit_codes=[unit] if isinstance(unit, str) else unit,
            )
    finally:
        engine.dispose()


def login(srv: LiveServer, username: str, password: str, device_id: str) -> httpx.Client:
    """An httpx client with a bearer token for ``username`` on ``device_id``."""
    r = httpx.post(
        srv.api + "/auth/token",
        data={"username": username, "password": password, "device_id": device_id},
    )
    r.raise_for_status()
    client = httpx.Client(
        base_url=srv.api,
        headers={"Authorization": "Bearer " + r.json()["access_token"]},
        timeout=60,
    )
    return client
