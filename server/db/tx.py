"""Transactions for ``async`` callers (routes, pages): the whole transaction in one worker-thread
call, so that a connection, and the writers' gate, are taken and given back by one thread.

``in_read_tx(engine, fn, *args)`` runs ``fn(conn, *args)`` in a read transaction; ``in_write_tx``
in a write transaction, queueing first on the event loop's writers' gate without holding a thread
(``server.db.engine.async_gate``). Plain ``anyio`` (the threadpool FastAPI and Starlette use), so
the services and pages can use them with no web framework.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from anyio import to_thread
from sqlalchemy import Engine

from server.db.engine import async_gate, queues_writers, read_tx, write_tx

__all__ = ["in_read_tx", "in_thread", "in_write_tx"]

T = TypeVar("T")


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a worker thread (a password hash, a file read)."""
    return await to_thread.run_sync(fn, *args)


async def in_read_tx(engine: Engine, fn: Callable[..., T], *args: Any) -> T:
    """``fn(conn, *args)`` in a read transaction, in one threadpool call.

    For the routes every device calls on each sync (pull, units, HEAD and GET of a file), and for
    an ``async`` route that touches the database between reads of a streamed body. A dependency
    with ``yield`` holds its connection across the three threadpool calls FastAPI makes (enter,
    run, leave): with 200 devices at once (bench/load.py) every thread waited for a connection
    while every connection was held by a request waiting for a thread, until the pool's timeout.
    """

    def run() -> T:
        with read_tx(engine) as conn:
            return fn(conn, *args)

    return await to_thread.run_sync(run)


async def in_write_tx(engine: Engine, fn: Callable[..., T], *args: Any, serial: bool = False) -> T:
    """As :func:`in_read_tx`, in a write transaction held only while ``fn`` runs (``serial``:
    one that takes the change-log lock, see ``server.db.engine.write_tx``).

    A writer that queues (every SQLite write, a push) waits for its turn on the event loop's gate
    first, holding no thread: a burst of writers cannot take every thread of the pool while the
    one whose turn it is waits for a thread to run in (issue 16).
    """

    def run() -> T:
        with write_tx(engine, serial=serial) as conn:
            return fn(conn, *args)

    if not queues_writers(engine, serial=serial):
        return await to_thread.run_sync(run)
    async with async_gate(engine):
        return await to_thread.run_sync(run)
