"""Search keys built after a pull (issue 22): a search never misses a pulled record.

A pulled page is stored with empty search keys; the keys and their trigram rows are built after the
page commits (``mobile.core.indexing``), by the sync or by the first search that needs them.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from mobile.core import indexing
from mobile.core.device import Device
from mobile.core.record_view import searchable
from mobile.core.store import Store
from mobile.core.store.migrations import migrate
from mobile.core.sync import SyncReport
from tests.mobile.conftest import area_values, model_values, pulled_record, record_fields
from tests.mobile.live import PW, login_device
from tests.support import server as support


def _pull_page(device: Device, names: list[str]) -> list[str]:
    recs = [pulled_record("residential_area", record_fields("residential_area", area_values(n)))
            for n in names]  # fmt: skip
    with device.store.transaction():
        device.records.apply_server_records(recs)
    return [r["record_id"] for r in recs]


def _fts_intact(store: Store) -> None:
    """The trigram index agrees with ``records.search`` (FTS5's own check raises otherwise)."""
    if store.has_fts():
        store.conn.execute("INSERT INTO records_fts(records_fts) VALUES ('integrity-check')")


def test_a_pulled_page_waits_for_its_keys_and_a_search_builds_them(device: Device) -> None:
    _pull_page(device, ["Thôn Đoàn Kết", "Buôn Buôr", "Thôn Sáng Tạo"])
    assert indexing.pending(device.store) == 3
    assert [i.title for i in device.records.list()] == [
        "Buôn Buôr",
        "Thôn Sáng Tạo",
        "Thôn Đoàn Kết",
    ]
    # Right after the pull, before any index pass: the search finds it (it builds the keys first).
    assert [i.title for i in device.records.list(search="doan ket")] == ["Thôn Đoàn Kết"]
    assert indexing.pending(device.store) == 0
    assert [i.title for i in device.records.list(search="buôr")] == ["Buôn Buôr"]
    _fts_intact(device.store)


def test_built_keys_are_the_keys_a_save_would_store(device: Device) -> None:
    area = device.records.create("residential_area", area_values("Thôn 1")).record_id
    device.records.create("model", model_values(area, "Mô hình nhà lưới Đắk Wil"))
    _pull_page(device, [f"Thôn số {i} của xã Đắk Wil" for i in range(2500)])
    assert indexing.index_pending(device.store) == 2500  # three chunks
    assert indexing.pending(device.store) == 0
    rows = device.store.conn.execute("SELECT fields, search FROM records").fetchall()
    assert len(rows) == 2502
    for fields, search in rows:
        assert search == searchable(json.loads(fields))[1]
    assert len(device.records.list(search="so 2499", limit=10)) == 1
    assert len(device.records.list(search="nha luoi")) == 1
    _fts_intact(device.store)


def test_a_pulled_record_with_local_work_is_keyed_at_once(device: Device) -> None:
    rid = _pull_page(device, ["Thôn cũ"])[0]
    indexing.index_pending(device.store)
    device.records.edit(rid, {"name": "Thôn mới sửa"})
    rec = pulled_record("residential_area", record_fields("residential_area", area_values("Thôn cũ")),
                        record_id=rid, rev=2)  # fmt: skip
    with device.store.transaction():
        device.records.apply_server_records([rec])
    assert indexing.pending(device.store) == 0  # its view was composed again, key and all
    assert [i.title for i in device.records.list(search="moi sua")] == ["Thôn mới sửa"]
    _fts_intact(device.store)


def test_a_search_and_the_sync_thread_build_the_keys_together(device: Device) -> None:
    _pull_page(device, [f"Thôn {i} Ea Pô" for i in range(3000)])
    built: list[int] = []
    opened = threading.Event()

    def sync_thread() -> None:  # its own connection to the same file, as the sync's
        with Store(device.store.path) as other:
            opened.set()
            built.append(indexing.index_pending(other, chunk=200))

    worker = threading.Thread(target=sync_thread)
    worker.start()
    opened.wait()
    found = device.records.list(search="ea po", limit=5000)
    worker.join()
    assert len(found) == 3000
    assert indexing.pending(device.store) == 0
    assert built[0] <= 3000
    _fts_intact(device.store)


def test_rows_already_on_a_device_stay_indexed_across_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=5)
    conn.execute(
        "INSERT INTO records(record_id, entity, rev, fields, title, search, local_updated_at) "
        "VALUES ('r1', 'model', 1, '{\"name\": \"Mô hình\"}', 'Mô hình', 'mo hinh', 'x')"
    )
    conn.close()
    with Store(path) as store:
        assert indexing.pending(store) == 0


def test_search_finds_a_record_as_soon_as_its_pull_finishes(tmp_path: Path) -> None:
    """Against a real server: the pull alone (no index pass) and a search at once."""
    with support.running_server(tmp_path, in_process=True) as srv:
        support.add_user(srv, "lan", "field_officer", support.DAK_WIL, PW)
        a = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
        area = a.records.create("residential_area", area_values("Thôn Đoàn Kết")).record_id
        a.records.create("model", model_values(area, "Mô hình chăn nuôi bò sinh sản"))
        assert a.sync().pushed == 2
        b = login_device(tmp_path / "b", srv.url, "lan", "dev-b")
        client = b.api_client()
        report = SyncReport()
        b.synchronizer(client).pull(report)
        client.close()
        assert report.pulled == 2
        assert indexing.pending(b.store) == 2
        assert [i.title for i in b.records.list(search="bo sinh san")] == [
            "Mô hình chăn nuôi bò sinh sản"
        ]
        c = login_device(tmp_path / "c", srv.url, "lan", "dev-c")
        assert c.sync().indexed == 2  # a whole sync builds them after its pull
        assert indexing.pending(c.store) == 0
        for dev in (a, b, c):
            dev.close()
