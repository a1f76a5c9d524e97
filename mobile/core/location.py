"""Where the officer stands: one interface over the phone's GPS and a desktop's configured position.

``plyer``'s GPS only exists on Android and iOS (on Linux it raises ``NotImplementedError``), so
it is imported lazily, inside :class:`PlyerLocationProvider`, and the desktop uses a configured or
manually entered position. Every fix carries its accuracy; :func:`classify` turns that into a
:class:`FixQuality` with ODK's defaults (accept at 5 m, warn over 100 m), both settable.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from mobile.core.errors import DeviceErrorCode, Refused
from shared_schema.isotime import iso

__all__ = [
    "Fix",
    "FixQuality",
    "LocationProvider",
    "LocationUnavailable",
    "ManualLocationProvider",
    "PlyerLocationProvider",
    "StaticLocationProvider",
    "classify",
    "default_provider",
    "manual_fix",
]


class LocationUnavailable(RuntimeError):
    """No position: no GPS here, permission refused, or no fix before the timeout."""


@dataclass(frozen=True)
class Fix:
    lat: float
    lon: float
    accuracy: float | None  # metres, 68 % radius as the platforms report it
    altitude: float | None
    time: str  # ISO 8601 UTC

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90 <= self.lat <= 90):
            raise ValueError("latitude must be within -90..90")
        if not (math.isfinite(self.lon) and -180 <= self.lon <= 180):
            raise ValueError("longitude must be within -180..180")
        if self.accuracy is not None and not (math.isfinite(self.accuracy) and self.accuracy >= 0):
            raise ValueError("accuracy must be a non-negative number of metres")

    def geopoint(self) -> dict[str, Any]:
        """The value of a ``geopoint`` field (SYNC.md: lat, lon, accuracy, altitude)."""
        return {
            "lat": self.lat,
            "lon": self.lon,
            "accuracy": self.accuracy,
            "altitude": self.altitude,
        }


class FixQuality(StrEnum):
    GOOD = "good"  # at or under the accept threshold
    ACCEPTABLE = "acceptable"  # between accept and warn: usable, shown with its accuracy
    POOR = "poor"  # over the warn threshold, or no accuracy at all: ask before using it


def classify(fix: Fix, *, accept_m: float = 5.0, warn_m: float = 100.0) -> FixQuality:
    if fix.accuracy is None or fix.accuracy > warn_m:
        return FixQuality.POOR
    if fix.accuracy <= accept_m:
        return FixQuality.GOOD
    return FixQuality.ACCEPTABLE


# Decimal degrees as an officer types them: a dot or a comma, a minus (or the typographic one).
_DEGREES = re.compile(r"[+-]?\d{1,3}(?:[.,]\d{1,8})?")
_METRES = re.compile(r"\d{1,6}(?:[.,]\d{1,3})?")


def _typed(text: str, pattern: re.Pattern[str]) -> float | None:
    clean = text.strip().replace("\u2212", "-")
    return float(clean.replace(",", ".")) if pattern.fullmatch(clean) else None


def manual_fix(lat: str, lon: str, accuracy: str = "") -> Fix:
    """A position typed by hand: decimal degrees with a dot or a comma (``12.6958``, ``12,6958``),
    the accuracy in metres or nothing.

    At most 8 decimals (a millimetre): more are digits typed onto a value already there, as when
    ``12.6941`` typed after ``12.6930`` became ``12.6930126941``. What is not such a number, or
    lies out of range (latitude -90..90, longitude -180..180), is refused with its field's code.
    """
    lat_v = _typed(lat, _DEGREES)
    if lat_v is None or not -90 <= lat_v <= 90:
        raise Refused(DeviceErrorCode.INVALID_LATITUDE, value=lat)
    lon_v = _typed(lon, _DEGREES)
    if lon_v is None or not -180 <= lon_v <= 180:
        raise Refused(DeviceErrorCode.INVALID_LONGITUDE, value=lon)
    acc_v: float | None = None
    if accuracy.strip():
        acc_v = _typed(accuracy, _METRES)
        if acc_v is None:
            raise Refused(DeviceErrorCode.INVALID_ACCURACY, value=accuracy)
    return Fix(lat_v, lon_v, acc_v, None, iso())


@runtime_checkable
class LocationProvider(Protocol):
    def current(self) -> Fix: ...


class StaticLocationProvider:
    """A configured position (a desktop in the commune office, tests)."""

    def __init__(
        self, lat: float, lon: float, accuracy: float | None = None, altitude: float | None = None
    ) -> None:
        self._fix = Fix(lat, lon, accuracy, altitude, iso())

    def current(self) -> Fix:
        f = self._fix
        return Fix(f.lat, f.lon, f.accuracy, f.altitude, iso())


class ManualLocationProvider:
    """A position typed by the officer; accuracy unknown unless they give one."""

    def __init__(self) -> None:
        self._fix: Fix | None = None

    def set(
        self, lat: float, lon: float, accuracy: float | None = None, altitude: float | None = None
    ) -> Fix:
        self._fix = Fix(lat, lon, accuracy, altitude, iso())
        return self._fix

    def current(self) -> Fix:
        if self._fix is None:
            raise LocationUnavailable("no position entered yet")
        return self._fix


class PlyerLocationProvider:
    """The phone's GPS through plyer: start, wait for a fix at least as good as asked, stop."""

    def __init__(
        self, *, timeout_s: float = 60.0, want_accuracy_m: float = 5.0, min_time_ms: int = 1000
    ) -> None:
        self.timeout_s = timeout_s
        self.want_accuracy_m = want_accuracy_m
        self.min_time_ms = min_time_ms

    def current(self) -> Fix:
        try:
            from plyer import gps  # lazy: plyer's platform lookup is slow and Android-only here
        except ImportError as exc:
            raise LocationUnavailable("plyer is not installed") from exc
        best: list[Fix] = []
        got = threading.Event()

        def on_location(**kw: Any) -> None:
            try:
                fix = Fix(
                    float(kw["lat"]),
                    float(kw["lon"]),
                    float(kw["accuracy"]) if kw.get("accuracy") is not None else None,
                    float(kw["altitude"]) if kw.get("altitude") is not None else None,
                    iso(),
                )
            except (KeyError, TypeError, ValueError):
                return
            if not best or (fix.accuracy or math.inf) <= (best[-1].accuracy or math.inf):
                best.append(fix)
            if fix.accuracy is not None and fix.accuracy <= self.want_accuracy_m:
                got.set()

        try:
            gps.configure(on_location=on_location)
            gps.start(minTime=self.min_time_ms, minDistance=0)
        except NotImplementedError as exc:
            raise LocationUnavailable("this platform has no GPS through plyer") from exc
        try:
            deadline = time.monotonic() + self.timeout_s
            while not got.is_set() and time.monotonic() < deadline:
                got.wait(0.2)
        finally:
            with contextlib.suppress(NotImplementedError):
                gps.stop()
        if not best:
            raise LocationUnavailable("no GPS fix before the timeout")
        return best[-1]  # the most accurate seen, even if not as good as asked: classify() tells


def default_provider(settings: Any) -> LocationProvider:
    """Android: the GPS. Elsewhere: the configured position, else manual entry."""
    # python-for-android sets these; core must not import kivy to ask kivy.utils.platform.
    if "ANDROID_ARGUMENT" in os.environ or "ANDROID_PRIVATE" in os.environ:
        return PlyerLocationProvider(want_accuracy_m=settings.accuracy_accept_m)
    if settings.manual_lat is not None and settings.manual_lon is not None:
        return StaticLocationProvider(
            settings.manual_lat, settings.manual_lon, settings.manual_accuracy_m
        )
    return ManualLocationProvider()
