"""Push results into the outbox, and the device clock: persisted, server-corrected, re-stamped."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.core.clock import OFFSET_THRESHOLD_MS
from mobile.core.device import Device
from shared_schema.hlc import parse_hlc
from tests.mobile.conftest import area_values, offline_device

DAY_MS = 86_400_000


class FakeWall:
    """A settable phone clock (the phone's clock is the thing under test, not a stand-in)."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def _result(change: dict[str, object], status: str, rev: int | None = 1, **kw: object):  # type: ignore[no-untyped-def]
    return {
        "change_id": change["change_id"],
        "status": status,
        "rev": rev,
        "conflicts": [],
        "errors": [],
        **kw,
    }


def test_results_mark_rows(device: Device) -> None:
    for i in range(4):
        device.records.create("residential_area", area_values(f"Thôn {i}"))
    batch = device.outbox.next_batch(10)
    ch = [b["change"] for b in batch]
    settled, restamped = device.outbox.apply_results(
        batch,
        [
            _result(ch[0], "applied", 1),
            _result(ch[1], "conflict", 2, conflicts=["name"]),
            _result(ch[2], "duplicate", 1),
            _result(
                ch[3],
                "rejected",
                None,
                errors=[{"field": "kind", "code": "invalid_value", "message": "x"}],
            ),
        ],
    )
    assert (settled, restamped) == (3, 0)
    counts = device.outbox.counts()
    assert (counts.pending, counts.sent, counts.rejected, counts.conflicts) == (0, 3, 1, 1)
    assert device.outbox.next_batch(10) == []
    assert device.store.get_state("max_accepted_hlc") == ch[2]["hlc"]


def test_results_must_match_the_batch(device: Device) -> None:
    device.records.create("residential_area", area_values())
    batch = device.outbox.next_batch(10)
    with pytest.raises(ValueError):
        device.outbox.apply_results(batch, [])
    with pytest.raises(ValueError):
        device.outbox.apply_results(
            batch,
            [{"change_id": "00000000-0000-4000-8000-000000000000", "status": "applied", "rev": 1}],
        )
    assert device.outbox.counts().pending == 1  # nothing marked


def test_clock_survives_restart_even_when_wall_goes_back(tmp_path: Path) -> None:
    wall = FakeWall(1_800_000_000_000)
    dev = offline_device(tmp_path / "d", wall=wall)
    with dev.store.transaction():
        first = dev.clock.now()
    dev.close()
    wall.ms -= 3 * DAY_MS  # the officer sets the phone's clock back
    dev = offline_device(tmp_path / "d", wall=wall)
    with dev.store.transaction():
        assert dev.clock.now() > first
    dev.close()


def test_server_time_sets_offset(tmp_path: Path) -> None:
    wall = FakeWall(1_800_000_000_000)
    dev = offline_device(tmp_path / "d", wall=wall)
    dev.clock.observe_server_time(wall.ms + 30_000)  # within a minute: trust the phone
    assert dev.clock.offset_ms == 0
    dev.clock.observe_server_time(wall.ms + 3 * DAY_MS)  # phone three days behind
    assert dev.clock.offset_ms == 3 * DAY_MS
    with dev.store.transaction():
        assert parse_hlc(dev.clock.now()).ms == wall.ms + 3 * DAY_MS
    dev.close()
    dev = offline_device(tmp_path / "d", wall=wall)  # the offset is persisted
    assert dev.clock.offset_ms == 3 * DAY_MS
    dev.close()
    assert OFFSET_THRESHOLD_MS == 60_000


def test_clock_skew_rejection_restamps_in_order(tmp_path: Path) -> None:
    real = 1_800_000_000_000
    wall = FakeWall(real + 3 * DAY_MS)  # the phone is three days ahead
    dev = offline_device(tmp_path / "d", wall=wall)
    a = dev.records.create("residential_area", area_values("A")).record_id
    dev.records.create("residential_area", area_values("B"))
    dev.records.edit(a, {"households": 7})
    batch = dev.outbox.next_batch(1)  # only the first goes out, and comes back clock_skew
    dev.clock.observe_server_time(real)
    skew = {"field": "hlc", "code": "clock_skew", "message": "too far ahead"}
    settled, restamped = dev.outbox.apply_results(
        batch, [_result(batch[0]["change"], "rejected", None, errors=[skew])]
    )
    assert (settled, restamped) == (0, 3)  # the refused one and the two never sent after it
    again = dev.outbox.next_batch(10)
    assert len(again) == 3
    hlcs = [b["change"]["hlc"] for b in again]
    assert hlcs == sorted(hlcs)  # save order kept
    assert all(parse_hlc(h).ms <= real + 1000 for h in hlcs)  # no longer ahead
    assert again[0]["change"]["change_id"] != batch[0]["change"]["change_id"]
    # New saves come after the re-stamped ones.
    with dev.store.transaction():
        assert dev.clock.now() > hlcs[-1]
    dev.close()


def test_restamp_stays_above_what_the_server_accepted(tmp_path: Path) -> None:
    real = 1_800_000_000_000
    wall = FakeWall(real + 20 * 3_600_000)  # 20 h ahead: accepted by the server
    dev = offline_device(tmp_path / "d", wall=wall)
    rid = dev.records.create("residential_area", area_values()).record_id
    batch = dev.outbox.next_batch(1)
    dev.outbox.apply_results(batch, [_result(batch[0]["change"], "applied", 1)])
    accepted = batch[0]["change"]["hlc"]
    wall.ms = real + 3 * DAY_MS  # now three days ahead
    dev.records.edit(rid, {"households": 1})
    batch = dev.outbox.next_batch(1)
    dev.clock.observe_server_time(real)
    skew = {"field": "hlc", "code": "clock_skew", "message": "x"}
    dev.outbox.apply_results(batch, [_result(batch[0]["change"], "rejected", None, errors=[skew])])
    [again] = dev.outbox.next_batch(1)
    # Our own later edit must still beat our earlier accepted one.
    assert again["change"]["hlc"] > accepted
    dev.close()
