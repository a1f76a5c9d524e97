"""Hybrid logical clock in SYNC.md's string form ``<13-digit ms>-<4-digit counter>-<device_id>``.

The fixed widths make byte order of the strings the order of (time, counter, device): two replicas
compare HLCs with plain string comparison. The clock never goes backwards, also when the wall clock
steps back: the logical part carries it forward until physical time catches up.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "DEVICE_ID_RE",
    "HLC",
    "MAX_COUNTER",
    "Clock",
    "HLCError",
    "format_hlc",
    "parse_hlc",
]

DEVICE_ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
# [0-9], not \d: \d also matches other scripts' digits ("١"), which int() accepts but which
# would sort above every ASCII HLC and win every conflict.
_HLC_RE = re.compile(r"([0-9]{13})-([0-9]{4})-([A-Za-z0-9_.:-]{1,64})")
MAX_COUNTER = 9999
MAX_MS = 10**13 - 1


class HLCError(ValueError):
    """A string that is not an HLC of SYNC.md's form."""


@dataclass(frozen=True, order=True, slots=True)
class HLC:
    ms: int
    counter: int
    device_id: str

    def __str__(self) -> str:
        return format_hlc(self)


def format_hlc(hlc: HLC) -> str:
    return f"{hlc.ms:013d}-{hlc.counter:04d}-{hlc.device_id}"


def parse_hlc(text: object) -> HLC:
    """Parse an HLC string; raise :class:`HLCError` for anything else (never another exception)."""
    if not isinstance(text, str):
        raise HLCError("hlc must be a string")
    m = _HLC_RE.fullmatch(text)
    if m is None:
        raise HLCError("hlc must look like <13-digit ms>-<4-digit counter>-<device_id>")
    return HLC(int(m.group(1)), int(m.group(2)), m.group(3))


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class Clock:
    """A device's (or server's) hybrid logical clock. Thread-safe.

    ``wall`` returns physical time in ms; tests pass their own to step time back and forth.
    """

    def __init__(
        self,
        device_id: str,
        *,
        wall: Callable[[], int] = _wall_ms,
        last: HLC | str | None = None,
    ) -> None:
        if not DEVICE_ID_RE.fullmatch(device_id):
            raise HLCError(f"invalid device id {device_id!r}")
        self.device_id = device_id
        self._wall = wall
        self._lock = threading.Lock()
        if isinstance(last, str):
            last = parse_hlc(last)
        self._ms = last.ms if last else 0
        self._counter = last.counter if last else 0

    def _advance(self, ms: int, counter: int) -> HLC:
        if counter > MAX_COUNTER:  # the counter field is four digits: carry into the next ms
            ms, counter = ms + 1, 0
        self._ms, self._counter = ms, counter
        return HLC(ms, counter, self.device_id)

    def now(self) -> HLC:
        """A new timestamp, greater than every one this clock has issued or received."""
        with self._lock:
            wall = self._wall()
            if wall > self._ms:
                return self._advance(wall, 0)
            return self._advance(self._ms, self._counter + 1)

    def receive(self, remote: HLC | str) -> HLC:
        """Merge a timestamp seen from another replica; returns the clock's new value."""
        if isinstance(remote, str):
            remote = parse_hlc(remote)
        with self._lock:
            wall = self._wall()
            ms = max(wall, self._ms, remote.ms)
            if ms == self._ms and ms == remote.ms:
                counter = max(self._counter, remote.counter) + 1
            elif ms == self._ms:
                counter = self._counter + 1
            elif ms == remote.ms:
                counter = remote.counter + 1
            else:
                counter = 0
            return self._advance(ms, counter)

    @property
    def last(self) -> HLC:
        return HLC(self._ms, self._counter, self.device_id)
