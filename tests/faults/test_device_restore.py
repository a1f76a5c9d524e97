"""A phone restored from a backup replays an old outbox (issue 11 "Faults").

Officer Lan's phone is backed up (its whole data directory copied) while two of her changes wait
in the outbox. She syncs them and makes more edits, which reach the server; Minh edits the same
model from his phone. Then her phone is restored from the backup: the old outbox comes back and
is sent again, her cursor and clock are those of the backup, and she edits the model from the
stale view the backup shows. The real device core and server, SQLite files on both sides.

SYNC.md says: a re-sent change is a ``duplicate`` and changes nothing (each change is in the
server's log once, each record's rev counts its distinct changes); per field the highest HLC
wins; a field that another device wrote at a rev above the change's ``base_rev`` is a conflict and
the losing value is kept for a reviewer. So nothing is doubled, the newer values of the server
are not silently lost, and after a pull the restored phone holds exactly what the server holds.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from mobile.core.device import Device
from tests.mobile.live import (
    device_state,
    login_device,
    server_change_counts,
    server_conflicts,
    server_state,
    wait_past,
)
from tests.support.device import area_values, model_values
from tests.support.server import LiveServer


def _sent(dev: Device) -> dict[str, str]:
    """change_id -> record_id of every change the server accepted from this device's outbox."""
    rows = dev.store.conn.execute("SELECT change_id, record_id FROM outbox WHERE state = 'sent'")
    return dict(rows.fetchall())


def test_a_restored_phone_replays_its_old_outbox_without_doubles_or_losses(
    officers: LiveServer, tmp_path: Path
) -> None:
    srv = officers
    lan_dir, backup = tmp_path / "lan", tmp_path / "backup"
    lan = login_device(lan_dir, srv.url, "lan", "dev-lan")
    minh = login_device(tmp_path / "minh", srv.url, "minh", "dev-minh")
    area = minh.records.create("residential_area", area_values("Buôn Trum")).record_id
    model = minh.records.create("model", model_values(area, "Chăn nuôi lợn sạch")).record_id
    minh.sync()
    lan.sync()

    # Two changes wait in Lan's outbox when the backup is taken.
    lan.records.edit(model, {"participating_households": 10})
    made_before = lan.records.create(
        "residential_area", area_values("Thôn trước sao lưu")
    ).record_id
    lan.close()
    shutil.copytree(lan_dir, backup)

    # After the backup: they are sent, and more edits follow, on the phone and on Minh's.
    lan = Device.open(lan_dir)
    lan.records.edit(model, {"participating_households": 30, "description": "Sau sao lưu"})
    made_after = lan.records.create("residential_area", area_values("Thôn sau sao lưu")).record_id
    lan.sync()
    wait_past(lan.clock.last)
    minh.records.edit(model, {"status": "replicated", "participating_households": 25})
    minh.sync()
    wait_past(minh.clock.last)
    sent_before_restore = _sent(lan)

    # Restore: the old outbox, cursor and clock are back.
    lan.close()
    shutil.rmtree(lan_dir)
    shutil.copytree(backup, lan_dir)
    lan = Device.open(lan_dir)
    assert lan.outbox.pending_count() == 2
    assert made_after not in device_state(lan)
    # From the stale view she changes the status too; Minh set it on the server meanwhile.
    lan.records.edit(model, {"status": "building", "participating_households": 40})
    report = lan.sync()

    assert report.duplicates == 2 and report.rejected == 0  # the replayed outbox: no doubles
    assert lan.outbox.counts().pending == 0
    counts = server_change_counts(srv)
    assert set(counts.values()) == {1}, "a change is in the server's log twice"
    expected = Counter({**sent_before_restore, **_sent(lan), **_sent(minh)}.values())
    truth = server_state(srv.api, "lan")
    for rid in (area, model, made_before, made_after):
        assert truth[rid][0] == expected[rid], f"rev of {rid} is not its number of changes"
    assert truth[made_before][1]["name"] == "Thôn trước sao lưu"
    assert truth[made_after][1]["name"] == "Thôn sau sao lưu"

    # Her latest edit wins per field (highest HLC); Minh's newer value met her stale base_rev
    # and is kept as a conflict, not silently lost.
    fields = truth[model][1]
    assert fields["status"] == "building" and fields["participating_households"] == 40
    assert fields["description"] == "Sau sao lưu"  # her post-backup edit, no longer on the phone
    kept = {(c["field"], c["losing"], c["winning"]) for c in server_conflicts(srv, model)}
    assert ("status", "replicated", "building") in kept
    assert ("participating_households", 25, 40) in kept

    # The restored phone, and Minh's, converge on the server's state.
    minh.sync()
    assert device_state(lan) == truth
    assert device_state(minh) == truth
    assert lan.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    lan.close()
    minh.close()
