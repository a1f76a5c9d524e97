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


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def live_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    server_in_process: bool,
) -> Iterator[object]:
    """A real server shared by a module's tests, on SQLite and on PostgreSQL, with users."""
    from tests.support.server import add_users, running_server

    url = None
    if request.param == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        url = os.environ["DKST_TEST_PG_URL"] if cluster is None else cluster.create_database()
    with running_server(tmp_path_factory.mktemp("srv"), url, in_process=server_in_process) as srv:
        add_users(srv, list(STANDARD_USERS), PASSWORD)
        yield srv
