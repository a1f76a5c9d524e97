"""The field device's own disk fills during saves (issue 9 "Bad input", issue 11 "Faults").

The device's data directory is a small tmpfs (root only: CI runs as root). Saves go on until the
disk refuses one: that save raises the store's ``StoreError`` (the app tells the officer), its
transaction rolls back whole, and every answer saved before it is still there, with its change in
the outbox. Once space is freed, saving goes on and the file passes SQLite's integrity check.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.core.store import StoreError
from tests.support.device import area_values, offline_device
from tests.support.disk import needs_root, tmpfs, used

pytestmark = needs_root


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk", "2m") as disk:
        yield disk


def test_a_full_disk_refuses_one_save_and_loses_none(small_disk: Path) -> None:
    device = offline_device(small_disk / "device")
    filler = small_disk / "filler.bin"
    with open(filler, "wb", buffering=0) as f:  # leave the device about 768 KiB
        f.write(os.urandom(max(0, 2 * 1024 * 1024 - 768 * 1024 - used(small_disk))))
    saved: list[str] = []
    refused = None
    long_text = "Nguyễn Thị Hương, Trần Văn Bình, Lê Thị Mai — tổ trưởng tổ dân phố. " * 2
    for i in range(5000):
        try:
            res = device.records.create(
                "residential_area",
                {**area_values(f"Thôn {i}"), "head_of_work_group": long_text[:190]},
            )
        except StoreError as exc:
            refused = exc
            break
        saved.append(res.record_id)
    assert refused is not None, "the disk never filled"
    assert "full" in str(refused).lower()
    # Nothing saved before is lost, and each still has its change waiting in the outbox.
    assert len(saved) > 1
    for rid in saved:
        assert device.records.get(rid).fields["name"].startswith("Thôn ")
    assert device.outbox.pending_count() == len(saved)

    filler.unlink()
    res = device.records.create("residential_area", area_values("Thôn sau khi dọn đĩa"))
    assert device.records.get(res.record_id).fields["name"] == "Thôn sau khi dọn đĩa"
    assert device.outbox.pending_count() == len(saved) + 1
    assert device.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
