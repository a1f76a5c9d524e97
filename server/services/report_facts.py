"""The report figures follow the pushes, after them (issue 22).

A push writes records and the change log only; the report facts and sums of the records it wrote
(``server/store/facts.py``) are applied afterwards from the records' change numbers, which pushes
take in commit order. That took a quarter of a push's CPU out of the transaction every device
waits on. The promise stays: **a report read after a push includes it.**

- :func:`current` brings the facts up to the newest record write; every reader of the figures
  calls it first (the API's ``ReportConn``, the staff pages' ``staff`` dependency). When nothing
  was written since the last catch-up it is two indexed reads.
- :class:`AfterPushes` catches up in a thread of its own once pushes pause (none in progress,
  ``DELAY_S`` after the last one; at the latest ``MAX_LAG_S`` after one it has not caught up),
  so a report rarely finds work left to do and a push rarely waits on a catch-up.

A catch-up is one write transaction; it applies each record's current state, comparing with the
stored fact, so a record seen twice (written again while the catch-up ran) is counted once, and a
crash mid-way leaves the facts as they were, to be caught up again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from server import store
from server.db.engine import read_tx, write_tx

__all__ = ["DELAY_S", "MAX_LAG_S", "AfterPushes", "current"]

DELAY_S = 0.5  # a burst of pushes (one device's batches, one after the other) is caught up once
MAX_LAG_S = 60.0  # a report read catches up anyway: this only bounds its wait

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
    """A thread that catches the facts up once pushes pause: no push in progress and none ended
    for ``delay`` seconds, or at the latest ``max_lag`` seconds after the first push it has not
    caught up (a server that never pauses still keeps its figures near)."""

    def __init__(self, engine: Engine, delay: float = DELAY_S, max_lag: float = MAX_LAG_S) -> None:
        self.engine = engine
        self.delay = delay
        self.max_lag = max_lag
        self._in_flight = 0
        self._due = 0.0  # no push in progress: catch up from then on
        self._latest = 0.0  # pushes waiting since: catch up by then + max_lag anyway
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    @contextmanager
    def pushing(self) -> Iterator[None]:
        """Around a push: the catch-up waits for it, and runs after it."""
        with self._cond:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                now = time.monotonic()
                self._due = now + self.delay
                self._latest = self._latest or now + self.max_lag
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="dkst-facts", daemon=True
                    )
                    self._thread.start()
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            thread = self._thread
            self._cond.notify()
        if thread is not None:
            thread.join(timeout=30)

    def _wait_for_pause(self) -> bool:
        """Block until a catch-up is due; False when closing."""
        with self._cond:
            while not self._stopping:
                now = time.monotonic()
                if self._latest and (
                    (self._in_flight == 0 and now >= self._due) or now >= self._latest
                ):
                    self._latest = 0.0
                    return True
                waits = [self._latest - now] if self._latest else []
                if self._latest and self._in_flight == 0:
                    waits.append(self._due - now)
                self._cond.wait(timeout=max(0.01, min(waits)) if waits else None)
            return False

    def _run(self) -> None:
        while self._wait_for_pause():
            try:
                current(self.engine)
            except Exception:  # the next push or report read catches up again
                log.exception("report facts: catch-up after pushes failed")
