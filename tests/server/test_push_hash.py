"""A change's content hash (the ``change_id`` idempotency check) across the switch to orjson.

Changes stored before the switch carry the standard encoder's hash; the same change sent again
(a lost answer, a phone restored from a backup) must still be ``duplicate``, and other content
under its ``change_id`` still ``change_id_reused``. In-process on a real SQLite file, as the route
runs it (one write transaction a batch).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from server.db.engine import write_tx
from server.db.schema import changes
from server.services import push as push_service
from shared_schema.hlc import Clock
from shared_schema.wire import parse_change
from tests.server.helpers import InProcessPush
from tests.support.records import change, new_id, record_fields

DEVICE = "hash-phone-1"


@pytest.fixture
def pushing(tmp_path: Path) -> Any:
    pushing = InProcessPush(f"sqlite:///{tmp_path}/server.sqlite3", tmp_path, DEVICE)

    def push(*batch: dict[str, Any]) -> list[dict[str, Any]]:
        return pushing([copy.deepcopy(c) for c in batch])

    yield push, pushing.engine
    pushing.engine.dispose()


def _model(clock: Clock) -> dict[str, Any]:
    # 1e-05 is "1e-05" to the standard encoder and "1e-5" to orjson: the two hashes differ.
    where = {"lat": 1e-05, "lon": 107.88, "accuracy": 5.0, "altitude": None}
    fields = record_fields("model", residential_area=new_id(), location=where)
    return change("model", fields, hlc=str(clock.now()))


def test_a_change_stored_with_the_old_hash_is_still_a_duplicate(pushing: Any) -> None:
    push, engine = pushing
    clock = Clock(DEVICE)
    sent = _model(clock)
    parsed = parse_change(copy.deepcopy(sent), device_id=DEVICE)[0]
    assert parsed is not None
    legacy = push_service._legacy_content_hash(parsed)
    assert push_service._content_hash(parsed) != legacy  # else this test proves nothing

    [first] = push(sent)
    assert first["status"] == "applied"
    # As a server before the switch stored it.
    with write_tx(engine) as conn:
        conn.execute(
            update(changes)
            .where(changes.c.change_id == sent["change_id"])
            .values(content_hash=legacy)
        )
    [again] = push(sent)
    assert (again["status"], again["rev"]) == ("duplicate", first["rev"])

    other = copy.deepcopy(sent)
    other["fields"]["name"] = "Mô hình khác"
    [reused] = push(other)
    assert reused["status"] == "rejected"
    assert [e["code"] for e in reused["errors"]] == ["change_id_reused"]


def test_a_change_stored_with_the_new_hash_is_a_duplicate(pushing: Any) -> None:
    push, _ = pushing
    sent = _model(Clock(DEVICE))
    [first] = push(sent)
    [again] = push(sent)
    assert first["status"] == "applied"
    assert (again["status"], again["rev"]) == ("duplicate", first["rev"])


def test_an_integer_orjson_cannot_write_is_an_answer_not_a_crash(pushing: Any) -> None:
    push, _ = pushing
    clock = Clock(DEVICE)
    huge = _model(clock)
    huge["fields"]["participating_people"] = 2**70  # only an in-process caller can send this
    [res] = push(huge)
    assert res["status"] == "rejected"
    assert [e["field"] for e in res["errors"]] == ["participating_people"]
