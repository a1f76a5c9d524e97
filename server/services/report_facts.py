"""The report figures follow the pushes, after them (issue 22).

A push writes records and the change log only; the report facts and sums of the records it wrote
(``server/store/facts.py``) are applied afterwards from the records' change numbers, which pushes
take in commit order. That took a quarter of a push's CPU out of the transaction every device
waits on. The promise stays: **a report read after a push includes it.**

- :func:`current` brings the facts up to the newest record write; every reader of the figures
  calls it first (the API's ``ReportConn``, the staff pages' ``staff`` dependency). When nothing
  was written since the last catch-up it is two indexed reads.
- :class:`AfterPushes` catches up in a thread of its own once pushes pause (``DELAY_S`` after
  the last one), so a report rarely finds work left to do.

A catch-up is one write transaction; it applies each record's current state, comparing with the
stored fact, so a record seen twice (written again while the catch-up ran) is counted once, and a
crash mid-way leaves the facts as they were, to be caught up again.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Engine

from server import store
from server.db.engine import read_tx, write_tx

__all__ = ["DELAY_S", "AfterPushes", "current"]

DELAY_S = 0.25  # a burst of pushes (one device's batches, one after the other) is caught up once

log = logging.getLogger("dkst.server")


def current(engine: Engine) -> int:
    """Apply the facts of every record written since the last catch-up; how many were looked at.
    Blocking (a worker thread, a plain ``def`` route or dependency)."""
    with read_tx(engine) as conn:
        if not store.facts.behind(conn):
            return 0
    with write_tx(engine) as conn:
        return store.facts.catch_up(conn)


class AfterPushes:
    """A thread that catches the facts up ``delay`` seconds after the last :meth:`poke`."""

    def __init__(self, engine: Engine, delay: float = DELAY_S) -> None:
        self.engine = engine
        self.delay = delay
        self._due = 0.0
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def poke(self) -> None:
        """A push committed: catch up once pushes pause."""
        with self._lock:
            self._due = time.monotonic() + self.delay
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="dkst-facts", daemon=True)
                self._thread.start()
        self._wake.set()

    def close(self) -> None:
        with self._lock:
            self._stopping = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while not self._stopping and (wait := self._due - time.monotonic()) > 0:
                time.sleep(min(wait, self.delay))
            if self._stopping:
                return
            try:
                current(self.engine)
            except Exception:  # the next poke or report read catches up again
                log.exception("report facts: catch-up after pushes failed")
