"""What an officer or an administrator may change on the device (kept in the store's settings)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from mobile.core.errors import DeviceErrorCode, Refused
from shared_schema.limits import MAX_BATCH, PULL_LIMIT_MAX, PULL_LIMIT_MIN, UPLOAD_CHUNK_SIZE

__all__ = ["DeviceSettings", "officer_changes"]


@dataclass
class DeviceSettings:
    """The device's settings (the server's are ``server.config.Settings``, from the environment)."""

    server_url: str = ""
    gzip: bool = True  # TRAPS.md: a loss on loopback, a 2.4x win on a 1 Mbit/s link
    photo_max_side: int = 1600
    jpeg_quality: int = 80
    accuracy_accept_m: float = 5.0  # ODK's default: accept a fix at 5 m
    accuracy_warn_m: float = 100.0  # and warn over 100 m
    push_batch_size: int = 500
    pull_page_size: int = 1000
    upload_chunk_size: int = UPLOAD_CHUNK_SIZE  # the smallest chunk; grown where the link allows
    upload_connections: int = 4  # files uploaded at once, each on its own connection
    retry_max_attempts: int = 8
    retry_base_s: float = 0.5
    retry_cap_s: float = 60.0
    # Desktop has no GPS: a configured position (lat, lon, accuracy m) or manual entry.
    manual_lat: float | None = None
    manual_lon: float | None = None
    manual_accuracy_m: float | None = None

    def validate(self) -> None:
        """Raise :class:`~mobile.core.errors.Refused` for the first setting out of its range."""
        ranges = (
            ("photo_max_side", 320, 8000),
            ("jpeg_quality", 30, 95),
            ("push_batch_size", 1, MAX_BATCH),  # SYNC.md's batch limit
            ("pull_page_size", PULL_LIMIT_MIN, PULL_LIMIT_MAX),
            ("upload_connections", 1, 8),
        )
        for name, low, high in ranges:
            if not low <= getattr(self, name) <= high:
                raise Refused(DeviceErrorCode.SETTING_OUT_OF_RANGE, name=name, low=low, high=high)
        if self.upload_chunk_size < 1024:
            raise Refused(DeviceErrorCode.SETTING_TOO_SMALL, name="upload_chunk_size", low=1024)
        accept, warn = self.accuracy_accept_m, self.accuracy_warn_m
        if not (math.isfinite(accept) and math.isfinite(warn) and 0 < accept <= warn):
            raise Refused(DeviceErrorCode.GPS_THRESHOLDS, accept=accept, warn=warn)


def officer_changes(
    current: DeviceSettings,
    *,
    gps_accept_m: float | None = None,
    photo_max_side: int | None = None,
) -> dict[str, Any]:
    """The stored settings an officer's choices change (the app's Settings screen).

    A fix is taken at ``gps_accept_m``; the warning threshold never stays below it, so raising
    the accept to 150 m raises the warning with it (and lowering it leaves the warning alone).
    Raises :class:`~mobile.core.errors.Refused`: ``gps_thresholds`` for an accept that is not a
    number of metres above 0, ``setting_out_of_range`` for a photo size outside 320..8000.
    """
    changes: dict[str, Any] = {}
    if gps_accept_m is not None:
        if not (math.isfinite(gps_accept_m) and gps_accept_m > 0):
            raise Refused(
                DeviceErrorCode.GPS_THRESHOLDS, accept=gps_accept_m, warn=current.accuracy_warn_m
            )
        changes["accuracy_accept_m"] = gps_accept_m
        changes["accuracy_warn_m"] = max(gps_accept_m, current.accuracy_warn_m)
    if photo_max_side is not None:
        changes["photo_max_side"] = photo_max_side
    replace(current, **changes).validate()
    return changes
