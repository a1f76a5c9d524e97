"""The device's hybrid logical clock, persisted and corrected by the server's clock.

Why this exists beside ``shared_schema.hlc.Clock``:

- *Monotonic across restarts.* The last HLC issued is stored in the same transaction as the save
  that used it, so a restarted app never issues a smaller one (an officer's later edit must beat
  their earlier one).
- *Wrong phone clocks.* Every server response carries an HTTP ``Date``. When the phone's clock is
  more than ``OFFSET_THRESHOLD_MS`` away from it, the device keeps the difference and stamps HLCs
  with phone time + offset from then on. A phone three days *behind* therefore stops writing
  values that lose every conflict once it has talked to the server once; a phone three days
  *ahead* stops writing values the server refuses as ``clock_skew`` (SYNC.md: > 24 h ahead).
- *Re-stamping.* Changes saved while the clock was ahead come back ``clock_skew``. They were never
  applied, so nothing depends on their HLC: ``restamp`` gives each a new HLC, its original time
  corrected by the offset, kept above every HLC the server has accepted from this device (so
  this device's own accepted writes are still ordered before them), in save order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from shared_schema.hlc import HLC, Clock, parse_hlc
from shared_schema.isotime import iso, now_ms

if TYPE_CHECKING:
    from mobile.core.store import Store

__all__ = ["OFFSET_THRESHOLD_MS", "DeviceClock", "utc_now", "wall_ms"]

# HTTP Date has one-second resolution and the response takes a while to arrive: below a minute
# the phone's own (NTP-synced) clock is the better one.
OFFSET_THRESHOLD_MS = 60_000


def wall_ms() -> int:
    """The phone's own clock, in ms (HLCs add the server offset to it)."""
    return now_ms()


def utc_now() -> str:
    """The phone's clock in SYNC.md's time format, for the device's own bookkeeping columns."""
    return iso()


class DeviceClock:
    def __init__(self, store: Store, device_id: str, *, wall: Callable[[], int] = wall_ms) -> None:
        self.store = store
        self.device_id = device_id
        self._wall = wall
        self.offset_ms: int = int(store.get_state("clock_offset_ms", 0))
        last = store.get_state("clock_last")
        self._clock = Clock(device_id, wall=self.corrected_wall, last=self._rebrand(last))

    def _rebrand(self, hlc: str | None) -> HLC | None:
        # The same phone may log in again under another device id: time carries over.
        if not hlc:
            return None
        h = parse_hlc(hlc)
        return HLC(h.ms, h.counter, self.device_id)

    def corrected_wall(self) -> int:
        return self._wall() + self.offset_ms

    def now(self) -> str:
        """A new HLC; call inside the save's transaction so the persisted value moves with it."""
        value = str(self._clock.now())
        self.store.set_state("clock_last", value)
        return value

    @property
    def last(self) -> str:
        return str(self._clock.last)

    def observe_server_time(self, server_ms: int) -> None:
        """Learn the server's clock from a response (HTTP ``Date``)."""
        offset = server_ms - self._wall()
        new = offset if abs(offset) >= OFFSET_THRESHOLD_MS else 0
        if abs(new - self.offset_ms) < 2_000:
            return  # one-second Date resolution plus latency: not a real change
        self.offset_ms = new
        with self.store.transaction():
            self.store.set_state("clock_offset_ms", new)

    def observe_record_time(self, ms: int) -> None:
        """A pulled record was last written at server time ``ms``: stay after it.

        Pulled records carry the server's ``updated_at``, not the winning HLC, so this is the
        closest the device gets to HLC ``receive``: an edit made after seeing a value is stamped
        after that value was written, even when the phone's clock (or the 1 s ``Date`` offset)
        is behind. Caller holds the transaction.
        """
        if ms > int(self.store.get_state("max_seen_server_ms", 0)):
            self.store.set_state("max_seen_server_ms", ms)
        if ms <= self._clock.last.ms:
            return
        self._clock.receive(HLC(ms, 0, self.device_id))
        self.store.set_state("clock_last", str(self._clock.last))

    def note_accepted(self, hlc: str) -> None:
        """Remember the highest HLC of ours the server applied (a floor for re-stamping)."""
        current = self.store.get_state("max_accepted_hlc")
        if current is None or hlc > current:
            self.store.set_state("max_accepted_hlc", hlc)

    def restamp(self, original_hlcs: list[str]) -> list[str]:
        """New HLCs for refused changes, in the given (save) order; persists the clock."""
        floor = self.store.get_state("max_accepted_hlc")
        floor_hlc = parse_hlc(floor) if floor else None
        out: list[str] = []
        last: HLC | None = (
            HLC(floor_hlc.ms, floor_hlc.counter, self.device_id) if floor_hlc else None
        )
        seen = int(self.store.get_state("max_seen_server_ms", 0))
        if seen and (last is None or last.ms < seen):
            # Stay after every server write this device has seen (see observe_record_time).
            last = HLC(seen, 0, self.device_id)
        for original in original_hlcs:
            corrected = parse_hlc(original).ms + self.offset_ms
            ms_now = self.corrected_wall()
            # Never ahead of (corrected) now: the original time may itself be nonsense.
            target = min(corrected, ms_now)
            step = Clock(self.device_id, wall=functools.partial(int, target), last=last)
            stamped = step.now()
            out.append(str(stamped))
            last = stamped
        # The running clock restarts from the restamped values (or the accepted floor), dropping
        # whatever far-future value the bad phone clock had pushed it to.
        self._clock = Clock(self.device_id, wall=self.corrected_wall, last=last)
        self.store.set_state("clock_last", str(self._clock.last))
        return out
