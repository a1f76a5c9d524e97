"""Location: the interface, fix quality against settable thresholds, desktop providers."""

from __future__ import annotations

import sys

import pytest

from mobile.core.errors import DeviceErrorCode, Refused
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
    manual_fix,
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


@pytest.mark.parametrize(
    ("lat", "lon", "acc", "point"),
    [
        ("12.6958", "107.7712", "", (12.6958, 107.7712, None)),
        ("12,6958", "107,7712", "4,5", (12.6958, 107.7712, 4.5)),  # a comma as the decimal mark
        (" -33.86 ", "\u2212151.2", "10", (-33.86, -151.2, 10.0)),  # spaces, a typographic minus
        ("90", "-180", "0", (90.0, -180.0, 0.0)),
        ("12.69581234", "107.77121234", "", (12.69581234, 107.77121234, None)),  # 8 decimals
    ],
)
def test_a_position_typed_by_hand(lat: str, lon: str, acc: str, point: tuple[object, ...]) -> None:
    fix = manual_fix(lat, lon, acc)
    assert (fix.lat, fix.lon, fix.accuracy) == point


@pytest.mark.parametrize(
    ("lat", "lon", "acc", "code"),
    [
        # 12.6941 typed after the 12.6930 already there: digits joined onto a value.
        ("12.6930126941", "107.77", "", DeviceErrorCode.INVALID_LATITUDE),
        ("112.5", "107.77", "", DeviceErrorCode.INVALID_LATITUDE),
        ("-90.5", "107.77", "", DeviceErrorCode.INVALID_LATITUDE),
        ("", "107.77", "", DeviceErrorCode.INVALID_LATITUDE),
        ("12.69.58", "107.77", "", DeviceErrorCode.INVALID_LATITUDE),
        ("12.6958, 107.7712", "", "", DeviceErrorCode.INVALID_LATITUDE),  # both in one field
        ("12°41'", "107.77", "", DeviceErrorCode.INVALID_LATITUDE),
        ("12.6958", "181", "", DeviceErrorCode.INVALID_LONGITUDE),
        ("12.6958", "1e2", "", DeviceErrorCode.INVALID_LONGITUDE),
        ("12.6958", "nan", "", DeviceErrorCode.INVALID_LONGITUDE),
        ("12.6958", "107.77", "-5", DeviceErrorCode.INVALID_ACCURACY),
        ("12.6958", "107.77", "mười", DeviceErrorCode.INVALID_ACCURACY),
    ],
)
def test_a_malformed_position_is_refused_by_its_field(
    lat: str, lon: str, acc: str, code: DeviceErrorCode
) -> None:
    with pytest.raises(Refused) as refused:
        manual_fix(lat, lon, acc)
    assert refused.value.code == code
