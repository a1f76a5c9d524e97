"""Engines and transactions for SQLite (default) and PostgreSQL (``DATABASE_URL``).

SQLite: WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions, because a deferred
transaction that later upgrades to a write can fail with SQLITE_BUSY without waiting.
PostgreSQL: a transaction-level advisory lock serializes the step that numbers changes, so change
sequence numbers commit in order and a pull cursor never skips one (TRAPS.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import NullPool

# Any constant works; it only has to be the same in every process of one deployment.
CHANGE_LOG_LOCK = 0x444B5354  # "DKST"


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=16,
            **kwargs,
        )
        _sqlite_setup(engine)
        return engine
    if url.startswith("postgresql"):
        # synchronous_commit on whatever the cluster's default: a push answered `applied` is on
        # disk (issue 7). Cost measured in bench/push.py.
        return create_engine(
            url,
            pool_size=8,
            max_overflow=16,
            pool_pre_ping=True,
            connect_args={"options": "-c synchronous_commit=on"},
            **kwargs,
        )
    return create_engine(url, poolclass=NullPool, **kwargs)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling defers it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a push answered `applied` is on disk before the answer leaves (a power cut after
        # the device cleared its outbox must not lose it). Cost measured in bench/push.py.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("dkst_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A write transaction: ``BEGIN IMMEDIATE`` on SQLite; committed on success, rolled back on error."""
    with engine.connect().execution_options(dkst_write=True) as conn, conn.begin():
        yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


def lock_change_log(conn: Connection) -> None:
    """Serialize change numbering until this transaction ends (no-op on SQLite: one writer)."""
    if is_postgres(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHANGE_LOG_LOCK})
