"""The store layer on a real database: scope by a join on the closure table, visibility, pruning."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from server import store
from server.clock import now_ms
from server.config import ServerSettings
from server.db.engine import make_engine, read_tx, write_tx
from server.db.migrate import upgrade
from server.db.schema import evidence_files, login_failures
from server.services import auth
from server.services.units import import_units

CU_JUT, DAK_WIL, EA_TLING, DAK_NONG = "662", "24643", "24640", "67"
SHA = "ab" * 32


@pytest.fixture
def engine(tmp_path: Path, database_url: str | None) -> Iterator[Engine]:
    eng = make_engine(database_url or f"sqlite:///{tmp_path / 'store.sqlite'}")
    upgrade(eng)
    with write_tx(eng) as conn:
        import_units(conn, source="legacy", under=CU_JUT)
    yield eng
    eng.dispose()


def test_a_unit_is_in_scope_only_under_the_callers_own_units(engine: Engine) -> None:
    with read_tx(engine) as conn:
        unit = store.units.get_in_scope(conn, DAK_WIL, [CU_JUT])
        assert unit is not None and unit["code"] == DAK_WIL and unit["parent"] == CU_JUT
        assert store.units.get_in_scope(conn, DAK_WIL, [DAK_WIL]) is not None
        assert store.units.get_in_scope(conn, CU_JUT, [DAK_WIL]) is None  # a parent: not in scope
        assert store.units.get_in_scope(conn, EA_TLING, [DAK_WIL]) is None  # a sibling
        assert store.units.get_in_scope(conn, "99999", [DAK_NONG]) is None  # unknown


def test_units_listing_is_the_subtree(engine: Engine) -> None:
    with read_tx(engine) as conn:
        district = store.units.list_in_scope(conn, [CU_JUT])
        assert [u["code"] for u in store.units.list_in_scope(conn, [DAK_WIL])] == [DAK_WIL]
        both = store.units.list_in_scope(conn, [DAK_WIL, EA_TLING])
        assert [u["code"] for u in both] == sorted([DAK_WIL, EA_TLING])
        names = store.units.names_under(conn, CU_JUT)
        communes = store.units.communes_under(conn, CU_JUT)
        child_of = store.units.child_of_each(conn, CU_JUT)
    codes = [u["code"] for u in district]
    assert codes == sorted(codes) and len(codes) == 9  # the district and its 8 communes
    assert set(codes) == {CU_JUT, *communes} and DAK_WIL in communes and set(names) == set(codes)
    assert child_of[DAK_WIL] == DAK_WIL and CU_JUT not in child_of


def test_units_by_code_carry_their_tree(engine: Engine) -> None:
    """A user's own units with their tree: what every page names the user with (issue 19)."""
    with read_tx(engine) as conn:
        found = store.units.by_codes(conn, [EA_TLING, DAK_WIL, "99999"])
        assert store.units.by_codes(conn, []) == []
    assert [(u["code"], u["level"], u["tree"]) for u in found] == [
        (EA_TLING, "commune", "legacy"),
        (DAK_WIL, "commune", "legacy"),
    ]
    assert found[1]["name"] == "Xã Đắk Wil" and found[1]["parent"] == CU_JUT


def test_a_file_is_visible_to_its_uploader_and_under_its_evidence_unit(engine: Engine) -> None:
    with write_tx(engine) as conn:
        conn.execute(insert(evidence_files).values(record_id="r1", sha256=SHA, unit=DAK_WIL))
    with read_tx(engine) as conn:
        assert store.attachments.visible(conn, SHA, user_id=1, roots=[CU_JUT])
        assert store.attachments.visible(conn, SHA, user_id=1, roots=[DAK_WIL])
        assert not store.attachments.visible(conn, SHA, user_id=1, roots=[EA_TLING])
    with write_tx(engine) as conn:
        store.attachments.add_uploader(conn, SHA, 7, started_at="2024-05-01T00:00:00.000Z")
    with read_tx(engine) as conn:
        assert store.attachments.visible(conn, SHA, user_id=7, roots=[EA_TLING])
        assert not store.attachments.visible(conn, SHA, user_id=8, roots=[EA_TLING])


def test_login_prunes_failures_older_than_the_window(engine: Engine) -> None:
    settings = ServerSettings(login_window_seconds=60)
    with write_tx(engine) as conn:
        auth.add_user(
            conn,
            username="lan",
            password="mật khẩu dài",
            role="field_officer",
            unit_codes=[DAK_WIL],
        )
        store.users.add_login_failure(
            conn, username="someone-else", address="10.0.0.9", at_ms=now_ms()
        )
        conn.execute(insert(login_failures).values(username="old", address="10.0.0.8", at=1))
    # In a thread of its own: a test of the web before this one may leave Playwright's event loop
    # running in this thread (the session's browser).
    with ThreadPoolExecutor(1) as pool:
        pool.submit(
            asyncio.run,
            auth.log_in(
                engine,
                settings,
                username="lan",
                password="mật khẩu dài",
                device_id="phone-1",
                address="10.0.0.7",
            ),
        ).result()
    with read_tx(engine) as conn:
        left = conn.execute(select(login_failures.c.username)).scalars().all()
        assert left == ["someone-else"]  # the recent one still counts; the old one is gone
        assert conn.execute(select(func.count()).select_from(login_failures)).scalar_one() == 1
