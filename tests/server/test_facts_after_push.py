"""The report facts follow the pushes from the records' change numbers (issue 22), on SQLite and
PostgreSQL: caught up they equal a rebuild from the records, a second catch-up changes nothing,
two at once count each record once, and the thread that runs after pushes catches up alone."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select

from server.db.engine import read_tx, write_tx
from server.db.migrate import upgrade
from server.db.schema import period_tallies, server_meta, unit_tallies
from server.services import report_facts
from server.store import facts
from server.store import records as records_store
from shared_schema.hlc import Clock
from tests.server.helpers import InProcessPush
from tests.support.records import DAK_WIL, change, new_id, record_fields

DEVICE = "dev-facts"
Push = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


@pytest.fixture
def world(database_url: str | None, tmp_path: Path) -> Iterator[tuple[Push, Engine]]:
    pushing = InProcessPush(database_url or f"sqlite:///{tmp_path}/s.sqlite3", tmp_path, DEVICE)

    def push(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results = pushing(batch)
        assert all(r["status"] == "applied" for r in results), results
        return results

    yield push, pushing.engine
    pushing.engine.dispose()


def _sums(engine: Engine) -> tuple[dict[Any, int], dict[Any, int]]:
    with read_tx(engine) as conn:
        units = {(r.unit, r.key): r.n for r in conn.execute(select(unit_tallies)) if r.n}
        months = {tuple(r)[:-1]: r.n for r in conn.execute(select(period_tallies)) if r.n}
    return units, months


def _models(clock: Clock, area: str, n: int, status: str = "building") -> list[dict[str, Any]]:
    fields = record_fields("model", residential_area=area, content_area="2", status=status,
                           start_date="2024-05-01", participating_people=7)  # fmt: skip
    return [change("model", fields, hlc=str(clock.now())) for _ in range(n)]


def _load(push: Push, clock: Clock) -> list[str]:
    area = new_id()
    push([change("residential_area", record_fields("residential_area"), hlc=str(clock.now()),
                 record_id=area)])  # fmt: skip
    batch = _models(clock, area, 300)
    push(batch)
    edits = [change("model", {"status": "operating"}, hlc=str(clock.now()),
                    record_id=c["record_id"], base_rev=1) for c in batch[:100]]  # fmt: skip
    edits += [change("model", {}, hlc=str(clock.now()), record_id=c["record_id"], op="delete",
                     base_rev=1) for c in batch[100:150]]  # fmt: skip
    push(edits)
    return [c["record_id"] for c in batch]


def test_caught_up_facts_equal_a_rebuild_and_a_second_pass_changes_nothing(
    world: tuple[Push, Engine],
) -> None:
    push, engine = world
    _load(push, Clock(DEVICE))
    with read_tx(engine) as conn:
        assert facts.behind(conn)  # the pushes kept no figures
    assert report_facts.current(engine) == 301  # each record once, at its latest change
    assert report_facts.current(engine) == 0
    with read_tx(engine) as conn:
        assert not facts.behind(conn)
        assert facts.applied_seq(conn) == records_store.last_seq(conn)
    kept = _sums(engine)
    assert kept[0][(DAK_WIL, "model.status.operating")] == 100
    assert kept[0][(DAK_WIL, "model.status.building")] == 150
    with write_tx(engine) as conn:
        facts.set_applied_seq(conn, 0)  # every record applied again: compared, not added
    assert report_facts.current(engine) == 301
    assert _sums(engine) == kept
    with write_tx(engine) as conn:
        facts.rebuild(conn)
    assert _sums(engine) == kept


def test_two_catch_ups_at_once_count_each_record_once(world: tuple[Push, Engine]) -> None:
    push, engine = world
    clock = Clock(DEVICE)
    area = new_id()
    push([change("residential_area", record_fields("residential_area"), hlc=str(clock.now()),
                 record_id=area)])  # fmt: skip
    for _ in range(4):
        push(_models(clock, area, 250))
    start = threading.Barrier(3)
    seen: list[int] = []

    def catch_up() -> None:
        start.wait()
        seen.append(report_facts.current(engine))

    threads = [threading.Thread(target=catch_up) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(seen) == 1001  # one did the work; the others found it done
    units, _ = _sums(engine)
    assert units[(DAK_WIL, "model.status.building")] == 1000


def test_the_thread_after_pushes_catches_up_with_no_report_read(world: tuple[Push, Engine]) -> None:
    push, engine = world
    after = report_facts.AfterPushes(engine, delay=0.05)
    try:
        with after.pushing():
            _load(push, Clock(DEVICE))
            time.sleep(0.2)
            with read_tx(engine) as conn:
                assert facts.behind(conn)  # not while a push is in progress
        deadline = time.monotonic() + 30
        while True:
            with read_tx(engine) as conn:
                if not facts.behind(conn):
                    break
            assert time.monotonic() < deadline, "facts not caught up after the pushes"
            time.sleep(0.05)
    finally:
        after.close()
    assert _sums(engine)[0][(DAK_WIL, "model.status.operating")] == 100


def test_pushes_that_never_pause_are_caught_up_within_the_lag(world: tuple[Push, Engine]) -> None:
    push, engine = world
    after = report_facts.AfterPushes(engine, delay=0.05, max_lag=0.3)
    clock = Clock(DEVICE)
    try:
        with after.pushing():
            _load(push, clock)
        with after.pushing():  # the next push is already in: no pause, yet the lag runs out
            deadline = time.monotonic() + 30
            while True:
                with read_tx(engine) as conn:
                    if not facts.behind(conn):
                        break
                assert time.monotonic() < deadline, "facts not caught up within the lag"
                time.sleep(0.05)
    finally:
        after.close()


def test_a_database_from_before_starts_its_catch_up_at_its_last_write(
    world: tuple[Push, Engine],
) -> None:
    """A server that applied the facts inside each push left them whole: nothing to redo."""
    push, engine = world
    _load(push, Clock(DEVICE))
    report_facts.current(engine)
    with write_tx(engine) as conn:
        conn.execute(delete(server_meta).where(server_meta.c.key == facts.FACTS_SEQ))
    upgrade(engine)
    with read_tx(engine) as conn:
        assert facts.applied_seq(conn) == records_store.last_seq(conn) > 0
