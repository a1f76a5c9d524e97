"""The Device's own API, the one the app's screens call: logging out, the officer's settings,
storing a file as the settings say."""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

import pytest
from PIL import Image

from mobile.core.device import Device
from mobile.core.errors import DeviceErrorCode, Refused
from mobile.core.settings import DeviceSettings, officer_changes
from tests.mobile.conftest import area_values, offline_device


def test_log_out_forgets_the_token_and_keeps_the_work(tmp_path: Path) -> None:
    dev = offline_device(tmp_path / "d")
    with dev.store.transaction():
        dev.store.set_state("token", "t-123")
    assert dev.logged_in and dev.status()["logged_in"]
    sent = dev.records.create("residential_area", area_values("Thôn 1")).record_id
    draft = dev.records.create("residential_area", area_values("Thôn 2"), finalize=False)
    dev.log_out()
    assert not dev.logged_in and not dev.status()["logged_in"]
    dev.close()
    again = Device(tmp_path / "d", dev.server, dev.username, device_id=dev.device_id)
    assert not again.logged_in
    assert again.outbox.counts().pending == 1  # sent after the next login
    assert again.records.get(sent).status == "pending"
    assert again.records.get(draft.record_id).draft
    again.log_out()  # twice is harmless
    again.close()


@pytest.mark.parametrize(
    ("accept", "warn_before", "warn_after"),
    [
        (10.0, 100.0, 100.0),  # lowered or raised under the warning: the warning stays
        (150.0, 100.0, 150.0),  # raised above it: the warning follows
        (100.0, 100.0, 100.0),
    ],
)
def test_the_gps_warning_follows_the_accept_threshold_up(
    accept: float, warn_before: float, warn_after: float
) -> None:
    current = DeviceSettings(accuracy_warn_m=warn_before)
    assert officer_changes(current, gps_accept_m=accept) == {
        "accuracy_accept_m": accept,
        "accuracy_warn_m": warn_after,
    }


@pytest.mark.parametrize("accept", [0.0, -5.0, math.inf, math.nan])
def test_a_gps_threshold_that_is_no_distance_is_refused(accept: float) -> None:
    with pytest.raises(Refused) as exc:
        officer_changes(DeviceSettings(), gps_accept_m=accept)
    assert exc.value.code == DeviceErrorCode.GPS_THRESHOLDS
    assert exc.value.details["warn"] == 100.0


def test_update_settings_saves_the_rule_and_nothing_when_refused(device: Device) -> None:
    s = device.update_settings(gps_accept_m=150.0, photo_max_side=1024)
    assert (s.accuracy_accept_m, s.accuracy_warn_m, s.photo_max_side) == (150.0, 150.0, 1024)
    assert device.settings() == s
    s = device.update_settings(gps_accept_m=10.0)
    assert (s.accuracy_accept_m, s.accuracy_warn_m, s.photo_max_side) == (10.0, 150.0, 1024)
    with pytest.raises(Refused) as exc:
        device.update_settings(gps_accept_m=20.0, photo_max_side=100)
    assert exc.value.code == DeviceErrorCode.SETTING_OUT_OF_RANGE
    assert exc.value.details == {"name": "photo_max_side", "low": 320, "high": 8000}
    assert device.settings() == s  # neither of the two was saved
    with pytest.raises(Refused):
        device.update_settings(gps_accept_m=0.0)
    assert device.settings().accuracy_accept_m == 10.0


def test_add_file_resizes_as_the_settings_say(device: Device) -> None:
    device.update_settings(photo_max_side=1024)
    out = io.BytesIO()
    Image.new("RGB", (3000, 2000), (20, 120, 60)).save(out, "PNG")
    stored = device.add_file(out.getvalue())
    assert (stored.width, stored.height) == (1024, 683)
    assert device.media.path_of(stored.sha256).exists()


def test_local_file_is_the_devices_own_or_one_fetched_before(device: Device) -> None:
    own = device.add_file(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    assert device.local_file(own.sha256) == device.media.path_of(own.sha256)
    other = "ab" * 32  # recorded by another device
    assert device.local_file(other) is None
    cached = device.media.root / "cache" / other
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"fetched before")
    os.utime(cached, (0, 0))
    assert device.local_file(other) == cached
    # fetch_file takes it from there (no server is asked: NO_SERVER answers nothing) and marks
    # it recently used, so the cache keeps it longest.
    assert device.fetch_file(other) == cached
    assert cached.stat().st_mtime > 0
