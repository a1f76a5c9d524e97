"""Location: the interface, fix quality against settable thresholds, desktop providers."""

from __future__ import annotations

import sys

import pytest

from mobile.core.location import (
    Fix,
    FixQuality,
    LocationProvider,
    LocationUnavailable,
    ManualLocationProvider,
    PlyerLocationProvider,
    StaticLocationProvider,
    classify,
    default_provider,
)
from mobile.core.settings import DeviceSettings


def _fix(accuracy: float | None) -> Fix:
    return Fix(12.68, 107.87, accuracy, 420.0, "2026-03-14T02:26:53Z")


@pytest.mark.parametrize(
    ("accuracy", "quality"),
    [
        (0.0, FixQuality.GOOD),
        (5.0, FixQuality.GOOD),  # ODK: accept at 5 m
        (5.1, FixQuality.ACCEPTABLE),
        (100.0, FixQuality.ACCEPTABLE),
        (100.1, FixQuality.POOR),  # ODK: warn over 100 m
        (None, FixQuality.POOR),
    ],
)
def test_default_thresholds(accuracy: float | None, quality: FixQuality) -> None:
    assert classify(_fix(accuracy)) is quality


def test_thresholds_are_settable() -> None:
    assert classify(_fix(8.0), accept_m=10, warn_m=20) is FixQuality.GOOD
    assert classify(_fix(25.0), accept_m=10, warn_m=20) is FixQuality.POOR


@pytest.mark.parametrize(
    ("lat", "lon", "acc"), [(91, 0, 1), (0, 181, 1), (float("nan"), 0, 1), (0, 0, -1)]
)
def test_fix_refuses_impossible_values(lat: float, lon: float, acc: float) -> None:
    with pytest.raises(ValueError):
        Fix(lat, lon, acc, None, "2026-01-01T00:00:00Z")


def test_geopoint_value() -> None:
    assert _fix(4.0).geopoint() == {"lat": 12.68, "lon": 107.87, "accuracy": 4.0, "altitude": 420.0}


def test_desktop_providers() -> None:
    static = StaticLocationProvider(12.5, 107.9, 15.0)
    assert isinstance(static, LocationProvider)
    assert static.current().accuracy == 15.0
    manual = ManualLocationProvider()
    with pytest.raises(LocationUnavailable):
        manual.current()
    manual.set(12.1, 108.0)
    assert manual.current().lat == 12.1
    assert classify(manual.current()) is FixQuality.POOR  # typed in: accuracy unknown


def test_default_provider_on_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANDROID_ARGUMENT", raising=False)
    monkeypatch.delenv("ANDROID_PRIVATE", raising=False)
    assert isinstance(default_provider(DeviceSettings()), ManualLocationProvider)
    configured = DeviceSettings(manual_lat=12.6, manual_lon=107.8, manual_accuracy_m=3.0)
    fix = default_provider(configured).current()
    assert (fix.lat, fix.lon, fix.accuracy) == (12.6, 107.8, 3.0)


def test_plyer_gps_on_linux_is_unavailable_not_a_crash() -> None:
    # plyer's gps raises NotImplementedError on Linux: the app sees LocationUnavailable.
    kivy_before = "kivy" in sys.modules  # the UI tests, run in the same process, import it
    with pytest.raises(LocationUnavailable):
        PlyerLocationProvider(timeout_s=0.1).current()
    assert kivy_before or "kivy" not in sys.modules  # the core itself never pulls Kivy in
