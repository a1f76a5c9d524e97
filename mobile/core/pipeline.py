"""One request ahead: the sync's HTTP on a worker thread while the caller works on the last answer.

A push sends batch k+1 the moment batch k's results arrive, then records k's results in the store
while k+1 is on the server; a pull asks for page k+1 (its cursor came with page k) and takes page
k into the store meanwhile. The device's work and the server's then overlap instead of taking
turns, and the time of a sync tends to the larger of the two instead of their sum.

Still **one request at a time**, in the caller's order: the server sees exactly the sequence of
requests it saw before (a record's creating change always arrives before a later edit of it, and
the pull cursor is followed page by page). Only the waiting moved.

The store belongs to the caller's thread (a ``sqlite3`` connection may not cross threads), so the
client's server-time callback, which can write the clock's offset, is collected on the worker and
replayed on the caller's thread when it takes a result.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from mobile.core.http import ApiClient

__all__ = ["RequestAhead"]

T = TypeVar("T")


class RequestAhead:
    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self._observe = client.on_server_time
        self._dates: list[int] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dkst-sync-http")
        if self._observe is not None:
            client.on_server_time = self._dates.append

    def submit(self, fn: Callable[..., T], *args: Any, **kw: Any) -> Future[T]:
        """Start ``fn`` on the worker; it runs after every request submitted before it."""
        return self._pool.submit(fn, *args, **kw)

    def result(self, future: Future[T]) -> T:
        """Wait for ``future`` (its exception is raised here), then replay the server times."""
        try:
            return future.result()
        finally:
            self._replay()

    def _replay(self) -> None:
        while self._dates and self._observe is not None:
            self._observe(self._dates.pop(0))

    def close(self) -> None:
        """Wait for what is in flight (its answer is dropped: every request is safe to repeat)."""
        self._pool.shutdown(wait=True)
        self.client.on_server_time = self._observe
        self._replay()

    def __enter__(self) -> RequestAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
