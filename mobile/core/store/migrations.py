"""The device database's schema, as ordered migrations keyed by ``PRAGMA user_version``.

A phone keeps its SQLite file across app updates, possibly with unsent work in it, so the schema
only moves forward by these functions, in order, each in its own transaction with the version
bump. A shipped migration is never edited: a change is a new function appended to ``MIGRATIONS``.
A file whose version is newer than this code knows is refused rather than guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SchemaTooNew", "fts5_trigram_available", "migrate"]


class SchemaTooNew(RuntimeError):
    """The file was written by a newer app version; opening it could lose data."""


def _v1_core(conn: sqlite3.Connection) -> None:
    """Records, outbox, key-value state, settings, cached forms and units, attachment uploads."""
    conn.executescript(
        """
        CREATE TABLE records (
            record_id TEXT PRIMARY KEY,
            entity TEXT NOT NULL,
            unit TEXT,
            form_id TEXT,
            form_version INTEGER,
            rev INTEGER NOT NULL DEFAULT 0,            -- server rev last pulled (0: never)
            server_fields TEXT NOT NULL DEFAULT '{}',  -- the server's state at that rev
            server_deleted INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT,                           -- the server's updated_at
            draft_fields TEXT,                         -- unfinalized edits (NULL: no draft)
            fields TEXT NOT NULL DEFAULT '{}',         -- the officer's view
            deleted INTEGER NOT NULL DEFAULT 0,        -- deleted on the server or locally
            title TEXT NOT NULL DEFAULT '',
            search TEXT NOT NULL DEFAULT '',           -- shared_schema.text.search_key of the texts
            local_updated_at TEXT
        );
        CREATE INDEX records_entity_title ON records(entity, deleted, title);
        CREATE INDEX records_unit ON records(unit);

        CREATE TABLE outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,     -- push order = save order
            change_id TEXT NOT NULL UNIQUE,
            entity TEXT NOT NULL,
            record_id TEXT NOT NULL,
            op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
            base_rev INTEGER,
            hlc TEXT NOT NULL,
            fields TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sent', 'rejected', 'superseded')),
            result_status TEXT,                        -- applied | conflict | duplicate | rejected
            result_rev INTEGER,
            conflicts TEXT,                            -- JSON list of field names
            errors TEXT,                               -- JSON list of {field, code, message}
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            last_attempt_at TEXT,
            sent_at TEXT
        );
        CREATE INDEX outbox_state ON outbox(state, seq);
        CREATE INDEX outbox_record ON outbox(record_id, seq);

        CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT);

        CREATE TABLE forms (
            form_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            entity TEXT NOT NULL,
            sha256 TEXT,
            definition TEXT NOT NULL,
            PRIMARY KEY (form_id, version)
        );
        CREATE TABLE units (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            level TEXT,
            parent TEXT
        );
        CREATE TABLE attachments (
            sha256 TEXT PRIMARY KEY,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            path TEXT NOT NULL,                        -- relative to the account's file dir
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
            uploaded INTEGER NOT NULL DEFAULT 0,       -- bytes the server confirmed
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            uploaded_at TEXT
        );
        """
    )


def fts5_trigram_available(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite has FTS5 with the trigram tokenizer (3.34+, not on every Android)."""
    try:
        conn.execute("CREATE VIRTUAL TABLE temp._dkst_probe USING fts5(x, tokenize='trigram')")
        conn.execute("DROP TABLE temp._dkst_probe")
        return True
    except sqlite3.OperationalError:
        return False


def _v2_search_index(conn: sqlite3.Connection) -> None:
    """A trigram index on `search`: substring search in well under a millisecond on 20,000 rows.

    Without FTS5 trigram, search falls back to LIKE over the narrow `search` column (measured
    in bench/device.py), so the migration still counts as applied.
    """
    if not fts5_trigram_available(conn):
        return
    conn.executescript(
        """
        CREATE VIRTUAL TABLE records_fts USING fts5(
            search, content='records', content_rowid='rowid', tokenize='trigram'
        );
        INSERT INTO records_fts(rowid, search) SELECT rowid, search FROM records;
        CREATE TRIGGER records_fts_ai AFTER INSERT ON records BEGIN
            INSERT INTO records_fts(rowid, search) VALUES (new.rowid, new.search);
        END;
        CREATE TRIGGER records_fts_ad AFTER DELETE ON records BEGIN
            INSERT INTO records_fts(records_fts, rowid, search)
                VALUES ('delete', old.rowid, old.search);
        END;
        CREATE TRIGGER records_fts_au AFTER UPDATE OF search ON records BEGIN
            INSERT INTO records_fts(records_fts, rowid, search)
                VALUES ('delete', old.rowid, old.search);
            INSERT INTO records_fts(rowid, search) VALUES (new.rowid, new.search);
        END;
        """
    )


def _v3_outbox_reason(conn: sqlite3.Connection) -> None:
    """Why a change was re-stamped (clock_skew, device_mismatch), for `dkst device status`."""
    conn.execute("ALTER TABLE outbox ADD COLUMN restamped_from TEXT")


def _v4_lighter_search_index(conn: sqlite3.Connection) -> None:
    """The trigram index without positions (``detail=none``), filled by the store, not a trigger.

    Why (issue 11): taking in 10,000 pulled records of ~2 KB spent most of its time indexing
    trigrams. Measured on 5,000 rows of 2,000 characters: 2.2 s with v2's index and insert
    trigger, 1.1 s when each page is indexed by one ``INSERT … SELECT`` after it, 0.6 s with that
    and no positions. Without positions a quoted word is no longer a phrase, so a search ANDs the
    word's trigrams (``mobile.core.store.records.search``): the index still narrows to candidate
    rows and the ``LIKE`` after it stays the exact test. Deletes and updates of ``search`` keep
    their triggers (one row at a time, from a save); inserts are indexed by
    ``store.records.insert_new`` and ``upsert_pulled``.

    The statements are written out: sqlite-utils' ``enable_fts`` has no ``detail`` option, and
    its update trigger fires on every column, where this one fires only when ``search`` changes.
    The two triggers repeat v2's on purpose: a shipped migration is frozen, and shares nothing.
    """
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records_fts'"
    ).fetchone()
    if exists is None:  # no FTS5 trigram in this SQLite: search stays on LIKE
        return
    conn.executescript(
        """
        DROP TRIGGER records_fts_ai;
        DROP TRIGGER records_fts_ad;
        DROP TRIGGER records_fts_au;
        DROP TABLE records_fts;
        CREATE VIRTUAL TABLE records_fts USING fts5(
            search, content='records', content_rowid='rowid', tokenize='trigram', detail='none'
        );
        INSERT INTO records_fts(records_fts) VALUES ('rebuild');
        CREATE TRIGGER records_fts_ad AFTER DELETE ON records BEGIN
            INSERT INTO records_fts(records_fts, rowid, search)
                VALUES ('delete', old.rowid, old.search);
        END;
        CREATE TRIGGER records_fts_au AFTER UPDATE OF search ON records BEGIN
            INSERT INTO records_fts(records_fts, rowid, search)
                VALUES ('delete', old.rowid, old.search);
            INSERT INTO records_fts(rowid, search) VALUES (new.rowid, new.search);
        END;
        """
    )


def _v5_conflicts(conn: sqlite3.Connection) -> None:
    """The fields of a change answered ``conflict``, one row each, with the other device's value.

    Why (issue 18): the pull sends the server's state only, so when this device's value won the
    device never learnt the value it overwrote, and the conflicts screen showed its own value
    twice. The sync now keeps the value the server held before the change (``other``, JSON; the
    device pulls before it pushes an edit, mobile/core/sync.py), and the officer's choice closes
    the row (``resolved_at``). Conflicts answered before this version are carried over with no
    other value: the device never had it.
    """
    conn.executescript(
        """
        CREATE TABLE conflicts (
            change_id TEXT NOT NULL,                   -- the outbox change answered `conflict`
            record_id TEXT NOT NULL,
            field TEXT NOT NULL,
            other TEXT,                                -- JSON; NULL: not known on this device
            resolved_at TEXT,                          -- the officer chose a value
            PRIMARY KEY (change_id, field)
        );
        CREATE INDEX conflicts_record ON conflicts(record_id, resolved_at);
        INSERT INTO conflicts(change_id, record_id, field)
            SELECT o.change_id, o.record_id, j.value FROM outbox o, json_each(o.conflicts) j
            WHERE o.result_status = 'conflict';
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_core,
    _v2_search_index,
    _v3_outbox_reason,
    _v4_lighter_search_index,
    _v5_conflicts,
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, *, target: int = SCHEMA_VERSION) -> int:
    """Bring the file up to ``target``; return the version it had before.

    ``conn`` must be in autocommit mode (``isolation_level=None``): each step runs between its own
    ``BEGIN IMMEDIATE`` and ``COMMIT`` so a crash mid-upgrade leaves the previous version intact.
    """
    before = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if before > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"this data file has schema version {before}; this app knows up to {SCHEMA_VERSION}"
        )
    for version in range(before + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            _run(conn, MIGRATIONS[version - 1])
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return before


class _NoCommitConn:
    """Run a migration's ``executescript`` as separate statements, inside the open transaction.

    ``sqlite3.Connection.executescript`` commits any open transaction first, which would split a
    migration from its version bump.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def executescript(self, script: str) -> None:
        for stmt in _split_sql(script):
            self._conn.execute(stmt)

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        return self._conn.execute(sql, params)


def _run(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], None]) -> None:
    fn(_NoCommitConn(conn))  # type: ignore[arg-type]


def _split_sql(script: str) -> list[str]:
    """Split a script into complete statements (triggers hold ';' inside BEGIN ... END)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
