"""Run the real server on 127.0.0.1 for integration tests: a uvicorn process, or uvicorn in a
thread of the test process where the process itself is not what a test is about.

with running_server(tmp_path) as srv:                    # a process; SQLite in tmp_path
    add_user(srv, "lan", "field_officer", "24643", "mật khẩu dài")
    httpx.post(srv.url + "/api/v1/auth/token", ...)
with running_server(tmp_path, in_process=True) as srv:   # the same, in a thread: no start-up cost

Either way the server's database is prepared first, as `dkst migrate` and `dkst units import`
would leave it, by copying a template made once per test process (issue 17: two subprocess unit
imports of 2.1 s each used to precede every server start). The fault tests, the contract tests,
the app's and the browser's server keep a real process; so does any test that kills one.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    proc: subprocess.Popen[bytes] | None  # None: in this process (``thread``)
    env: dict[str, str] = field(default_factory=dict)
    thread: _ThreadServer | None = None

    @property
    def api(self) -> str:
        return self.url + "/api/v1"

    def settings(self):  # type: ignore[no-untyped-def]
        from server.config import ServerSettings

        # As the server read them: the endpoint's setting takes its variable's name.
        names = {"DKST_BLOB_URL": "blob_url", "DKST_S3_ADDRESSING_STYLE": "s3_addressing_style"}
        names["DKST_S3_ENDPOINT_URL"] = "DKST_S3_ENDPOINT_URL"
        blobs = {arg: self.env[var] for var, arg in names.items() if var in self.env}
        return ServerSettings(data_dir=self.data_dir, database_url=self.database_url, **blobs)

    def blobs(self):  # type: ignore[no-untyped-def]
        """The server's blob store (a directory, or its bucket), as the server opens it."""
        from server.blobs import blob_store

        return blob_store(self.settings())


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
    # As `dkst serve` sets it: the address in the set-up QR code.
    env = {**env, "DKST_PUBLIC_URL": env.get("DKST_PUBLIC_URL") or f"http://127.0.0.1:{port}"}
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
    if srv.thread is not None:
        srv.thread.stop()
        return
    assert srv.proc is not None
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


# ---------------------------------------------------------------------------- prepared databases
_templates: dict[tuple[str, tuple[str, ...]], str] = {}
_templates_lock = threading.Lock()
_TEST_DB = re.compile(r"(postgresql\+psycopg://[^/]+)/(t_[0-9a-f]{12})$")


def _units_key(units_under: str | tuple[str, ...] | None) -> tuple[str, ...]:
    return (units_under,) if isinstance(units_under, str) else tuple(units_under or ())


def _fill(url: str, units: tuple[str, ...]) -> None:
    """Migrate the database at ``url`` and import the legacy units under each of ``units``."""
    from server.db.engine import make_engine, write_tx
    from server.db.migrate import upgrade
    from server.services.units import import_units as _import

    engine = make_engine(url)
    try:
        upgrade(engine)
        with write_tx(engine) as conn:
            for under in units:
                _import(conn, source="legacy", under=under)
            _forget_cursor_key(conn)
    finally:
        engine.dispose()


def _forget_cursor_key(conn: Any) -> None:
    # Every copy makes its own when its server starts (server.db.migrate): a cursor of one test
    # server must stay foreign to another.
    from sqlalchemy import delete

    from server.db.schema import server_meta

    conn.execute(delete(server_meta).where(server_meta.c.key == "cursor_key"))


def _sqlite_template(units: tuple[str, ...]) -> str:
    with _templates_lock:
        path = _templates.get(("sqlite", units))
        if path is None:
            folder = Path(tempfile.mkdtemp(prefix="dkst-template-"))
            path = str(folder / "dkst.sqlite")
            _fill(f"sqlite:///{path}", units)
            _templates[("sqlite", units)] = path
        return path


def _pg_admin(server: str) -> Any:
    import psycopg

    host, port = re.match(r"postgresql\+psycopg://postgres@([^:]+):(\d+)", server).groups()  # type: ignore[union-attr]
    return psycopg.connect(
        f"host={host} port={port} user=postgres dbname=postgres", autocommit=True
    )


def _pg_from_template(database_url: str, units: tuple[str, ...]) -> None:
    """Make the (empty) test database at ``database_url`` a copy of a template database."""
    m = _TEST_DB.match(database_url)
    if m is None:  # a server of DKST_TEST_PG_URL: fill it in place
        _fill(database_url, units)
        return
    server, name = m.groups()
    with _templates_lock:
        template = _templates.get((server, units))
        if template is None:
            template = "tmpl_" + "_".join(units or ("none",))
            with _pg_admin(server) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{template}"')
                admin.execute(f'CREATE DATABASE "{template}"')
            _fill(f"{server}/{template}", units)
            _templates[(server, units)] = template
        with _pg_admin(server) as admin:
            admin.execute(f'DROP DATABASE "{name}"')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def prepare_database(
    data_dir: Path, database_url: str | None, units_under: str | tuple[str, ...] | None
) -> None:
    """The server's database as ``dkst migrate`` and ``dkst units import --source legacy --under
    …`` leave it, copied from a template made once per test process."""
    units = _units_key(units_under)
    if database_url:
        _pg_from_template(database_url, units)
        return
    target = data_dir / "dkst.sqlite"
    if not target.exists():
        shutil.copyfile(_sqlite_template(units), target)


def import_units(data_dir: Path, under: str, env: dict[str, str]) -> None:
    """The legacy units under ``under`` in the server's database (SQLite in ``data_dir``, or
    ``env``'s DATABASE_URL), as ``dkst units import`` would."""
    from server.config import ServerSettings

    url = env.get("DATABASE_URL") or ServerSettings(data_dir=data_dir).db_url
    _fill(url, (under,))


# ---------------------------------------------------------------------------- in this process
class _ThreadServer:
    """uvicorn serving ``create_app(settings)`` from a thread of the test process."""

    def __init__(self, env: dict[str, str], sock: socket.socket) -> None:
        import uvicorn

        from server.api.http_protocol import JsonErrorHttpToolsProtocol
        from server.app import create_app

        app = create_app(_settings_of(env))
        config = uvicorn.Config(
            app,
            log_level="warning",
            http=JsonErrorHttpToolsProtocol,
            lifespan="on",
            log_config=None,
        )
        self.server = uvicorn.Server(config)
        self.sock = sock
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True, name="dkst-server"
        )

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)
        self.sock.close()


_environ_lock = threading.Lock()


def _settings_of(env: dict[str, str]) -> Any:
    """The settings a server process started with ``env`` would read (``DKST_*``, DATABASE_URL)."""
    from server.config import ServerSettings

    keys = {k for k in env if k.startswith("DKST_") or k == "DATABASE_URL"}
    keys |= {k for k in os.environ if k.startswith("DKST_") or k == "DATABASE_URL"}
    with _environ_lock:
        saved = {k: os.environ.get(k) for k in keys}
        try:
            for k in keys:
                if k in env:
                    os.environ[k] = env[k]
                else:
                    os.environ.pop(k, None)
            return ServerSettings()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def start_in_process(data_dir: Path, database_url: str | None, env: dict[str, str]) -> LiveServer:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    env = {**env, "DKST_PUBLIC_URL": env.get("DKST_PUBLIC_URL") or f"http://127.0.0.1:{port}"}
    thread = _ThreadServer(env, sock)
    thread.start()
    return LiveServer(f"http://127.0.0.1:{port}", data_dir, database_url, None, env, thread)


@contextmanager
def running_server(
    tmp_path: Path,
    database_url: str | None = None,
    *,
    units_under: str | tuple[str, ...] | None = (CU_JUT, DAK_MIL),
    extra_env: dict[str, str] | None = None,
    workers: int = 1,
    in_process: bool = False,
) -> Iterator[LiveServer]:
    """A prepared database with the units under ``units_under`` (legacy source), and a server on
    it: a uvicorn process, or (``in_process``) uvicorn in a thread of this process."""
    data_dir = tmp_path / "server-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(data_dir, database_url, extra_env)
    prepare_database(data_dir, database_url, units_under)
    if in_process:
        srv = start_in_process(data_dir, database_url, env)
    else:
        srv = start_server(data_dir, database_url, env, workers=workers)
    try:
        yield srv
    finally:
        stop_server(srv)


def add_user(
    srv: LiveServer, username: str, role: str, unit: str | list[str], password: str
) -> None:
    """Create a user straight in the server's database (the CLI path is tested on its own)."""
    add_users(srv, [(username, role, unit)], password)


def add_users(
    srv: LiveServer, users: list[tuple[str, str, str | list[str]]], password: str
) -> None:
    """Create ``(username, role, unit or units)`` users in one transaction, one password."""
    from server.db.engine import make_engine, write_tx
    from server.services.auth import add_user as _add

    engine = make_engine(srv.settings().db_url)
    try:
        with write_tx(engine) as conn:
            for username, role, unit in users:
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
