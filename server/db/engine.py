"""Engines and transactions for SQLite (default) and PostgreSQL (``DATABASE_URL``).

SQLite: WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions, because a deferred
transaction that later upgrades to a write can fail with SQLITE_BUSY without waiting.
PostgreSQL: a transaction-level advisory lock serializes the step that numbers changes, so change
sequence numbers commit in order and a pull cursor never skips one (TRAPS.md).

Writers that the database runs one at a time anyway (every SQLite write; a push on PostgreSQL,
under that advisory lock) first queue on a lock in this process, holding no connection. Waiting
inside the database instead (SQLite's busy timeout, the advisory lock) held a pooled connection
per waiting writer: with 200 devices pushing at once (bench/load.py) the pool ran dry, pulls
waited 30 s for a connection and failed with a 500, and SQLite writers gave up after the busy
timeout (503). A writer queued here waits as long as it takes and costs nothing meanwhile.

The gate is a ``threading.RLock``, owned by the thread that took it: it is taken and released
inside one call (``write_tx`` as a ``with`` block in one function), never across the threadpool
calls of a FastAPI dependency with ``yield``, which enter in one thread and leave in another
(TRAPS.md; issue 16: concurrent revocations answered "cannot release un-acquired lock" and then
nothing answered at all). A request first queues on :func:`async_gate`, an ``asyncio.Lock`` of its
event loop, holding no thread either; ``tests/test_invariants.py`` fails on a ``write_tx`` inside
a generator.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import NullPool

# Any constant works; it only has to be the same in every process of one deployment.
CHANGE_LOG_LOCK = 0x444B5354  # "DKST"
# Connections per process: the threadpool that runs requests has 40 threads (anyio's default), so
# with SQLite (connections cost a file handle) no request ever waits for one. PostgreSQL's are
# server processes: 24 a worker, 96 for four workers, under the default max_connections of 100.
SQLITE_POOL = (8, 32)
# SQLite's page cache of a connection, in KiB (negative: a size, not a page count).
WRITE_CACHE_KIB, READ_CACHE_KIB = -16384, -2000
PG_POOL = (8, 16)

_gates: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_gates_lock = threading.Lock()


def _writer_gate(engine: Engine) -> threading.RLock:
    with _gates_lock:
        gate = _gates.get(engine)
        if gate is None:
            gate = _gates[engine] = threading.RLock()
        return gate


_async_gates: weakref.WeakKeyDictionary[
    Engine, weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]
] = weakref.WeakKeyDictionary()


def queues_writers(engine: Engine, *, serial: bool = False) -> bool:
    """Whether a write transaction queues in this process first (every SQLite write; a push)."""
    return serial or engine.dialect.name == "sqlite"


def async_gate(engine: Engine) -> asyncio.Lock:
    """The writers' queue of ``engine`` in the running event loop: a request waits here for its
    turn without holding a thread or a connection, then runs its whole transaction in one
    threadpool call (``server.api.deps.in_write_tx``). One lock per loop: an ``asyncio.Lock`` is
    bound to the loop that first waits on it (in-process test clients run their own loops)."""
    loop = asyncio.get_running_loop()
    with _gates_lock:
        per_loop = _async_gates.get(engine)
        if per_loop is None:
            per_loop = _async_gates[engine] = weakref.WeakKeyDictionary()
        gate = per_loop.get(loop)
        if gate is None:
            gate = per_loop[loop] = asyncio.Lock()
        return gate


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=SQLITE_POOL[0],
            max_overflow=SQLITE_POOL[1],
            **kwargs,
        )
        _sqlite_setup(engine)
        return engine
    if url.startswith("postgresql"):
        # synchronous_commit on whatever the cluster's default: a push answered `applied` is on
        # disk (issue 7). Cost measured in bench/push.py.
        return create_engine(
            url,
            pool_size=PG_POOL[0],
            max_overflow=PG_POOL[1],
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
        # A write gets 16 MiB of pages (SQLite's default: 2): a push's inserts into the record,
        # change and fact indexes (random UUID keys) then find their pages in it, a quarter less
        # time in the inserts of bench/push_profile.py. A read (an export streaming a province)
        # keeps the default, and a connection shrinks back when it goes from a write to a read:
        # 16 MiB on each of the pool's 40 connections would be 640 MiB.
        write = bool(conn.get_execution_options().get("dkst_write"))
        cache = WRITE_CACHE_KIB if write else READ_CACHE_KIB
        if conn.info.get("dkst_cache_kib") != cache:  # only when it changes: begins are hot
            conn.exec_driver_sql(f"PRAGMA cache_size={cache}")
            conn.info["dkst_cache_kib"] = cache
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


@contextmanager
def write_tx(engine: Engine, *, serial: bool = False) -> Iterator[Connection]:
    """A write transaction: ``BEGIN IMMEDIATE`` on SQLite; committed on success, rolled back on error.

    ``serial``: the transaction takes the change-log lock (a push); on PostgreSQL it then queues
    in this process first, as every SQLite write does (see the module's docstring).
    """
    queue = queues_writers(engine, serial=serial)
    with (
        _writer_gate(engine) if queue else nullcontext(),
        engine.connect().execution_options(dkst_write=True) as conn,
        conn.begin(),
    ):
        yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


def lock_change_log(conn: Connection) -> None:
    """Serialize change numbering until this transaction ends (no-op on SQLite: one writer)."""
    if is_postgres(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHANGE_LOG_LOCK})
