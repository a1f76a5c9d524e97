"""server/api/deps.py and server/db/tx.py: a transaction per request (ReadConn, in_write_tx) and
role checks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, select

from server import store
from server.api.deps import EngineDep, ManagerPrincipal, ReadConn, current_principal
from server.api.errors import install_error_handlers
from server.db.engine import make_engine, read_tx
from server.db.migrate import upgrade
from server.db.schema import login_failures
from server.db.tx import in_write_tx
from server.errors import ServerError
from server.services.auth import Principal
from shared_schema.errors import ErrorCode


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'deps.sqlite'}")
    upgrade(eng)
    yield eng
    eng.dispose()


def _app(engine: Engine, role: str) -> TestClient:
    app = FastAPI()
    app.state.engine = engine
    install_error_handlers(app, retry_after=5)
    app.dependency_overrides[current_principal] = lambda: Principal(
        1, "lan", role, ("24643",), "phone-1"
    )

    @app.post("/fail/{fail}")
    async def write(fail: bool, engine: EngineDep) -> dict[str, bool]:
        def run(conn: Connection) -> None:
            store.users.add_login_failure(conn, username="lan", address="10.0.0.1", at_ms=1)
            if fail:
                raise ServerError(ErrorCode.INVALID_REQUEST)

        await in_write_tx(engine, run)
        return {"ok": True}

    @app.get("/count")
    def count(conn: ReadConn) -> int:
        return len(conn.execute(select(login_failures)).all())

    @app.get("/manage")
    def manage(who: ManagerPrincipal) -> str:
        return who.role

    return TestClient(app)


def _failures(engine: Engine) -> int:
    with read_tx(engine) as conn:
        return _count(conn)


def _count(conn: Connection) -> int:
    return len(conn.execute(select(login_failures)).all())


def test_in_write_tx_commits_on_success_and_rolls_back_on_an_error(engine: Engine) -> None:
    client = _app(engine, "field_officer")
    assert client.post("/fail/false").json() == {"ok": True}
    assert _failures(engine) == 1  # committed by the time the answer arrived
    r = client.post("/fail/true")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_request"
    assert _failures(engine) == 1  # the failed request wrote nothing
    assert client.get("/count").json() == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("district_staff", 200), ("commune_staff", 403), ("field_officer", 403)],
)
def test_require_role(engine: Engine, role: str, status: int) -> None:
    r = _app(engine, role).get("/manage")
    assert r.status_code == status
    if status == 403:
        assert r.json()["error"]["code"] == "forbidden"
    else:
        assert r.json() == role


def test_store_is_importable_as_one_namespace() -> None:
    assert {"attachments", "records", "units", "users"} <= set(store.__all__)
