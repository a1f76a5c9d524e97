"""What an officer or an administrator may change on the device (kept in the store's settings)."""

from __future__ import annotations

from dataclasses import dataclass

from shared_schema.limits import MAX_BATCH, PULL_LIMIT_MAX, PULL_LIMIT_MIN, UPLOAD_CHUNK_SIZE

__all__ = ["DeviceSettings"]


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
        if not 320 <= self.photo_max_side <= 8000:
            raise ValueError("photo_max_side must be 320..8000")
        if not 30 <= self.jpeg_quality <= 95:
            raise ValueError("jpeg_quality must be 30..95")
        if not 1 <= self.push_batch_size <= MAX_BATCH:
            raise ValueError(f"push_batch_size must be 1..{MAX_BATCH} (SYNC.md's batch limit)")
        if not PULL_LIMIT_MIN <= self.pull_page_size <= PULL_LIMIT_MAX:
            raise ValueError(f"pull_page_size must be {PULL_LIMIT_MIN}..{PULL_LIMIT_MAX}")
        if self.upload_chunk_size < 1024:
            raise ValueError("upload_chunk_size must be at least 1024")
        if not 1 <= self.upload_connections <= 8:
            raise ValueError("upload_connections must be 1..8")
        if not 0 < self.accuracy_accept_m <= self.accuracy_warn_m:
            raise ValueError("accuracy thresholds must satisfy 0 < accept <= warn")
