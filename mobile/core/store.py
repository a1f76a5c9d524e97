"""One SQLite file per device account, through sqlite-utils.

Durability: WAL with ``synchronous=FULL``, so a commit is on disk when ``save`` returns (a phone
loses power without warning; NORMAL could drop the last saves then, though never corrupt the
file). Every write that belongs together runs in one ``BEGIN IMMEDIATE`` transaction: a crash at
any instant leaves either the whole save or none of it, and an immediate transaction waits on the
busy timeout instead of failing with SQLITE_BUSY when the sync thread and the UI write at once.

A ``Store`` (its connection) belongs to one thread; the sync thread opens its own ``Store`` on the
same file.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import sqlite_utils

from mobile.core.migrations import migrate
from shared_schema.isotime import iso
from shared_schema.limits import MAX_BATCH, PULL_LIMIT_MAX, PULL_LIMIT_MIN, UPLOAD_CHUNK_SIZE

__all__ = ["Settings", "Store", "utc_now"]


def utc_now() -> str:
    """Now in SYNC.md's one time format (ISO 8601 UTC, milliseconds, ``Z``)."""
    return iso()


@dataclass
class Settings:
    """What an officer or an administrator may change on the device."""

    server_url: str = ""
    gzip: bool = True  # TRAPS.md: a loss on loopback, a 2.4x win on a 1 Mbit/s link
    photo_max_side: int = 1600
    jpeg_quality: int = 80
    accuracy_accept_m: float = 5.0  # ODK's default: accept a fix at 5 m
    accuracy_warn_m: float = 100.0  # and warn over 100 m
    push_batch_size: int = 500
    pull_page_size: int = 1000
    upload_chunk_size: int = UPLOAD_CHUNK_SIZE
    retry_max_attempts: int = 8
    retry_base_s: float = 0.5
    retry_cap_s: float = 60.0
    # Desktop has no GPS: a configured position (lat, lon, accuracy m) or manual entry.
    manual_lat: float | None = None
    manual_lon: float | None = None
    manual_accuracy_m: float | None = None

    def validate(self) -> None:
        if not 320 <= self.photo_max_side <= 8000:
            raise ValueError("photo_max_side must be 320..8000")
        if not 30 <= self.jpeg_quality <= 95:
            raise ValueError("jpeg_quality must be 30..95")
        if not 1 <= self.push_batch_size <= MAX_BATCH:
            raise ValueError(f"push_batch_size must be 1..{MAX_BATCH} (SYNC.md's batch limit)")
        if not PULL_LIMIT_MIN <= self.pull_page_size <= PULL_LIMIT_MAX:
            raise ValueError(f"pull_page_size must be {PULL_LIMIT_MIN}..{PULL_LIMIT_MAX}")
        if self.upload_chunk_size < 1024:
            raise ValueError("upload_chunk_size must be at least 1024")
        if not 0 < self.accuracy_accept_m <= self.accuracy_warn_m:
            raise ValueError("accuracy thresholds must satisfy 0 < accept <= warn")


class Store:
    """The device database of one account (server + username)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit BEGIN from the driver; transaction() says when.
        conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=10.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=10000")
        self.conn = conn
        self.schema_version_before = migrate(conn)
        self.db = sqlite_utils.Database(conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (nested calls become savepoints of the outer one)."""
        conn = self.conn
        if conn.in_transaction:
            name = f"sp_{secrets.token_hex(4)}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield conn
            except BaseException:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
                raise
            conn.execute(f"RELEASE {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # ------------------------------------------------------------------ key-value state
    def get_state(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return default if row is None or row[0] is None else json.loads(row[0])

    def set_state(self, key: str, value: Any) -> None:
        self.conn.execute(
            "INSERT INTO state(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value, ensure_ascii=False)),
        )

    def delete_state(self, key: str) -> None:
        self.conn.execute("DELETE FROM state WHERE key = ?", (key,))

    # ------------------------------------------------------------------ settings
    def settings(self) -> Settings:
        stored = {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM settings")}
        known = {f.name for f in fields(Settings)}
        return Settings(**{k: v for k, v in stored.items() if k in known})

    def update_settings(self, **changes: Any) -> Settings:
        current = asdict(self.settings())
        unknown = changes.keys() - current.keys()
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        current.update(changes)
        new = Settings(**current)
        new.validate()
        with self.transaction():
            for key, value in changes.items():
                self.conn.execute(
                    "INSERT INTO settings(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, json.dumps(value)),
                )
        return new

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def has_fts(self) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records_fts'"
            ).fetchone()
            is not None
        )
