"""Shared fixtures. Kivy needs its environment set before its first import (TRAPS.md)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from hypothesis import settings

# No timed tests (speed is measured by bench/): Hypothesis' 200 ms deadline per example fails on a
# shared, loaded machine though nothing is wrong.
settings.register_profile("dkst", deadline=None)
settings.load_profile("dkst")

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
# Argon2 at the tests' cost (server/services/passwords.py), in this process and every server it
# starts; tests/server/test_passwords.py checks that the default stays full strength.
os.environ.setdefault("DKST_PASSWORD_HASH", "test")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """A PostgreSQL server for the session: ``DKST_TEST_PG_URL``'s, or a throwaway one."""
    from tests.support.pg import start_cluster

    if os.environ.get("DKST_TEST_PG_URL"):
        yield None
        return
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: object) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    if pg_cluster is None:
        return os.environ["DKST_TEST_PG_URL"]
    return pg_cluster.create_database()  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """Run a server test once on SQLite (None: the embedded default) and once on PostgreSQL."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("pg_url"))


# Users every shared live server has: (username, role, unit).
PASSWORD = "mật-khẩu-đủ-dài"
STANDARD_USERS = (
    ("officer", "field_officer", "24643"),  # Xã Đắk Wil
    ("officer2", "field_officer", "24640"),  # Thị trấn Ea T'Ling
    ("commune", "commune_staff", "24643"),
    ("district", "district_staff", "662"),  # Huyện Cư Jút
    ("admin", "admin", "67"),  # Tỉnh Đắk Nông
    ("officer_mil", "field_officer", "24667"),  # Xã Đắk Lao, Huyện Đắk Mil
    ("district_mil", "district_staff", "663"),  # Huyện Đắk Mil
)


@pytest.fixture(scope="session")
def server_in_process() -> bool:
    """Whether ``live_server`` serves from a thread of the test process (True here: the server
    tests are about what the server answers) or from a uvicorn process of its own (the contract
    tests' conftest says False: a black-box suite talks to a process)."""
    return True


def _live_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    in_process: bool,
    database: str,
    blobs: str = "local",
) -> Iterator[object]:
    from tests.support.server import add_users, running_server

    url = None
    if database == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        url = os.environ["DKST_TEST_PG_URL"] if cluster is None else cluster.create_database()
    env = None
    if blobs == "s3":
        moto = request.getfixturevalue("moto")
        env = moto.server_env(moto.new_bucket())
    with running_server(
        tmp_path_factory.mktemp("srv"), url, in_process=in_process, extra_env=env
    ) as srv:
        add_users(srv, list(STANDARD_USERS), PASSWORD)
        yield srv


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def live_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    server_in_process: bool,
) -> Iterator[object]:
    """A real server shared by a module's tests, on SQLite and on PostgreSQL, with users."""
    yield from _live_server(request, tmp_path_factory, server_in_process, request.param)


@pytest.fixture(scope="session")
def moto() -> Iterator[object]:
    """moto's standalone S3 server, a real HTTP process on a free port (tests/support/s3.py)."""
    from tests.support.s3 import MotoServer

    with MotoServer.start() as srv:
        yield srv


@pytest.fixture(
    scope="module",
    params=[
        ("sqlite", "local"),
        ("sqlite", "s3"),
        pytest.param(("postgresql", "local"), marks=pytest.mark.pg),
        pytest.param(("postgresql", "s3"), marks=pytest.mark.pg),
    ],
    ids=["sqlite-local", "sqlite-s3", "postgresql-local", "postgresql-s3"],
)
def live_server_any_store(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    server_in_process: bool,
) -> Iterator[object]:
    """``live_server`` with its files in a local directory and in an S3 bucket (moto): a module
    whose tests are about files takes it as its ``live_server``."""
    database, blobs = request.param
    yield from _live_server(request, tmp_path_factory, server_in_process, database, blobs)
