"""One sync on a worker thread, cancellable, reporting progress to the UI thread.

The worker opens its own ``Device`` on the data directory (a SQLite connection belongs to one
thread; WAL lets the UI keep saving meanwhile). Cancelling is safe at any point because every
step of a sync is resumable (mobile/core/sync.py): the worker stops at the next progress report,
and a cancelled run leaves the outbox as it was for the changes not yet answered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.clock import Clock

from mobile.core.device import Device
from mobile.core.http import ServerUnreachable
from mobile.core.sync import Progress, SyncReport
from mobile.ui.connectivity import probe

__all__ = ["SyncCancelled", "SyncRun"]


class SyncCancelled(Exception):
    """The officer pressed cancel; nothing is lost, the next sync goes on from here."""


class SyncRun:
    def __init__(
        self,
        data_dir: Path,
        *,
        probe_timeout_s: float,
        on_progress: Callable[[Progress], None] | None,
        on_done: Callable[[SyncReport | None, BaseException | None], None],
    ) -> None:
        self.data_dir = data_dir
        self.probe_timeout_s = probe_timeout_s
        self.on_progress = on_progress
        self.on_done = on_done
        self._cancel = threading.Event()
        self.thread = threading.Thread(target=self._work, name="dkst-sync", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, p: Progress) -> None:
        if self._cancel.is_set():
            raise SyncCancelled()
        if self.on_progress is not None:
            cb = self.on_progress
            Clock.schedule_once(lambda _dt: cb(p))

    def _work(self) -> None:
        report: SyncReport | None = None
        error: BaseException | None = None
        try:
            with Device.open(self.data_dir) as device:
                # Ask once, briefly, before the client's long retries: offline shows at once.
                if not probe(device.server, self.probe_timeout_s):
                    raise ServerUnreachable(device.server)
                if self._cancel.is_set():
                    raise SyncCancelled()
                report = device.sync(self._progress)
        except BaseException as exc:  # handed to the UI thread, which explains it
            error = exc
        done = self.on_done

        def finish(_dt: Any) -> None:
            done(report, error)

        Clock.schedule_once(finish)
