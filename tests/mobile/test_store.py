"""The device database file: durability settings, transactions, settings, migrations."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from mobile.core.records import Records
from mobile.core.settings import DeviceSettings
from mobile.core.store import Store
from mobile.core.store.migrations import MIGRATIONS, SCHEMA_VERSION, SchemaTooNew, migrate
from tests.mobile.conftest import area_values, offline_device


def test_wal_and_full_sync(tmp_path: Path) -> None:
    with Store(tmp_path / "a.sqlite") as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert store.schema_version == SCHEMA_VERSION


def test_transaction_rolls_back_everything(tmp_path: Path) -> None:
    with Store(tmp_path / "a.sqlite") as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.set_state("a", 1)
            with store.transaction():  # nested: a savepoint of the same transaction
                store.set_state("b", 2)
            raise RuntimeError("crash mid-save")
        assert store.get_state("a") is None
        assert store.get_state("b") is None


def test_state_survives_reopen(tmp_path: Path) -> None:
    with Store(tmp_path / "a.sqlite") as store, store.transaction():
        store.set_state("pull_cursor", "abc")
    with Store(tmp_path / "a.sqlite") as store:
        assert store.get_state("pull_cursor") == "abc"


def test_settings_defaults_update_and_validation(tmp_path: Path) -> None:
    with Store(tmp_path / "a.sqlite") as store:
        s = store.settings()
        assert s == DeviceSettings()
        assert (s.photo_max_side, s.jpeg_quality, s.gzip) == (1600, 80, True)
        assert (s.accuracy_accept_m, s.accuracy_warn_m) == (5.0, 100.0)
        store.update_settings(gzip=False, photo_max_side=1024, server_url="http://x")
        assert store.settings().gzip is False
        assert store.settings().photo_max_side == 1024
        with pytest.raises(ValueError):
            store.update_settings(push_batch_size=5000)
        with pytest.raises(ValueError):
            store.update_settings(no_such_setting=1)
        with pytest.raises(ValueError):
            store.update_settings(accuracy_accept_m=200.0)  # above the warn threshold
        assert store.settings().push_batch_size == 500


def _v1_file(path: Path) -> None:
    """A file as the first released app wrote it: only migration 1, then some work in it."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    migrate(conn, target=1)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.execute(
        "INSERT INTO records(record_id, entity, unit, rev, fields, title, search) "
        "VALUES ('6a1b2d6e-52c4-4f5e-8d0e-000000000001', 'model', '24643', 3, "
        "'{\"name\": \"Đoàn Kết\"}', 'Đoàn Kết', 'doan ket')"
    )
    conn.execute(
        "INSERT INTO outbox(change_id, entity, record_id, op, base_rev, hlc, fields, created_at) "
        "VALUES ('0c0a0b0e-52c4-4f5e-8d0e-000000000002', 'model', "
        "'6a1b2d6e-52c4-4f5e-8d0e-000000000001', 'upsert', 3, '1700000000000-0000-dev-a', "
        "'{\"name\": \"Đoàn Kết\"}', '2026-01-01T00:00:00Z')"
    )
    conn.close()


def test_v1_file_opens_with_new_code_and_keeps_work(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _v1_file(path)
    dev = offline_device(tmp_path / "unused")
    with Store(path) as store:
        assert store.schema_version_before == 1
        assert store.schema_version == SCHEMA_VERSION
        # The unsent change survived, and the v3 column exists.
        row = store.conn.execute("SELECT state, restamped_from FROM outbox").fetchone()
        assert row == ("pending", None)
        # The v2 search index was built over the rows that were already there.
        records = Records(store, dev.forms, dev.clock)
        found = records.search_rows(search="đoàn kết")
        assert [r["record_id"] for r in found] == ["6a1b2d6e-52c4-4f5e-8d0e-000000000001"]
        # Migration 4 rebuilt the index over them, whole.
        store.conn.execute("INSERT INTO records_fts(records_fts) VALUES ('integrity-check')")
    dev.close()


def test_a_conflict_answered_before_v5_stays_open_with_no_other_value(tmp_path: Path) -> None:
    path = tmp_path / "v4.sqlite"
    rid = "6a1b2d6e-52c4-4f5e-8d0e-000000000001"
    conn = sqlite3.connect(str(path), isolation_level=None)
    migrate(conn, target=4)
    conn.execute(
        "INSERT INTO records(record_id, entity, unit, rev, server_fields, fields, title, search) "
        f"VALUES ('{rid}', 'model', '24643', 4, '{{\"name\": \"Mới\"}}', "
        "'{\"name\": \"Mới\"}', 'Mới', 'moi')"
    )
    conn.execute(
        "INSERT INTO outbox(change_id, entity, record_id, op, base_rev, hlc, fields, state, "
        "result_status, result_rev, conflicts, created_at) VALUES "
        f"('0c0a0b0e-52c4-4f5e-8d0e-000000000002', 'model', '{rid}', 'upsert', 2, "
        "'1700000000000-0000-dev-a', '{\"name\": \"Mới\"}', 'sent', 'conflict', 4, "
        "'[\"name\"]', '2026-01-01T00:00:00Z')"
    )
    conn.close()
    dev = offline_device(tmp_path / "unused")
    with Store(path) as store:
        records = Records(store, dev.forms, dev.clock)
        [c] = records.conflicts_of(rid)
        assert (c["field"], c["mine"], c["kept"]) == ("name", "Mới", "mine")
        assert not c["other_known"]  # the device never had the other value
        assert records.get(rid).conflicts == ["name"]
    dev.close()


def test_each_migration_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    conn = sqlite3.connect(str(path), isolation_level=None)
    migrate(conn, target=2)
    conn.execute("ALTER TABLE outbox ADD COLUMN restamped_from TEXT")  # makes v3 fail half-way
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
    conn.close()


def test_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    conn = sqlite3.connect(str(path))
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew):
        Store(path)


def test_device_data_survives_reopen(tmp_path: Path) -> None:
    dev = offline_device(tmp_path / "d")
    rid = dev.records.create("residential_area", area_values("Thôn Tân Lập")).record_id
    last = dev.clock.last
    dev.close()
    again = offline_device(tmp_path / "d")
    assert again.records.get(rid).title == "Thôn Tân Lập"
    # The HLC is persisted: a restarted app never issues a smaller one.
    assert again.clock.last == last
    with again.store.transaction():
        assert again.clock.now() > last
    again.close()


def test_id_lists_are_cut_at_the_shared_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``IN (…)`` lists follow ``shared_schema.limits.SQL_IN_CHUNK`` (one number for both sides)."""
    from mobile.core.store import records as stored
    from shared_schema import limits

    assert stored.SQL_IN_CHUNK is limits.SQL_IN_CHUNK
    dev = offline_device(tmp_path / "d")
    ids = [
        dev.records.create("residential_area", area_values(f"Thôn {i}")).record_id for i in range(5)
    ]
    dev.records.edit(ids[4], {"households": 7}, finalize=False)  # a draft too
    ids += ["00000000-0000-4000-8000-000000000000"]  # not on the device
    statements: list[str] = []
    dev.store.conn.set_trace_callback(statements.append)
    monkeypatch.setattr(stored, "SQL_IN_CHUNK", 2)
    assert stored.with_local_layers(dev.store, ids) == set(ids[:5])
    dev.store.conn.set_trace_callback(None)
    # Three chunks of two ids, each asked of the outbox and of the drafts.
    assert len(statements) == 6
    assert [len(re.findall(r"'[0-9a-f-]{36}'", s)) for s in statements] == [2] * 6
    dev.close()
