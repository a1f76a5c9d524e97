"""Evidence files: photos made small enough for 2G, documents kept as they are, content-addressed.

- JPEG photos are turned upright (EXIF orientation applied, then dropped from the tag so no viewer
  turns them twice), resized so the longest side is at most ``photo_max_side`` and re-encoded at
  ``jpeg_quality``. Capture time and GPS position are read from EXIF *before* that and returned,
  so the evidence record keeps them even though the officer's phone may strip EXIF on share.
- PNG and WebP are resized the same way and keep their format; PDF is stored byte for byte.
- The type is decided by the first bytes, never by the file name or a client's word; anything else
  is refused with :class:`UnsupportedFile`.
- A file is stored under ``<root>/<sha256[:2]>/<sha256>``: a name from outside never becomes a
  path, identical content is stored once, and the hash is what the server is told.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from mobile.core.clock import utc_now
from mobile.core.store import Store
from mobile.core.store import files as stored
from shared_schema.limits import MAX_FILE_BYTES
from shared_schema.media import SNIFF_BYTES, sniff

__all__ = [
    "DEVICE_MEDIA_TYPES",
    "MAX_FILE_BYTES",
    "MediaStore",
    "StoredFile",
    "UnsupportedFile",
    "sniff_media_type",
]

# What the device records as evidence today (the server takes audio too).
DEVICE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME_ORIGINAL = 36867
_OFFSET_TIME_ORIGINAL = 36881
_DATETIME = 306


class UnsupportedFile(ValueError):
    """Not a JPEG, PNG, WebP or PDF (by content), unreadable, or over the size limit."""


def sniff_media_type(head: bytes) -> str | None:
    """The type of a file the device takes (photos and PDF; no audio yet), from its first bytes."""
    media_type = sniff(head)
    return media_type if media_type in DEVICE_MEDIA_TYPES else None


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    media_type: str
    size: int
    path: Path
    taken_at: str | None = None  # EXIF DateTimeOriginal, ISO 8601 (with offset when EXIF has it)
    gps: dict[str, Any] | None = None  # {"lat", "lon", "accuracy": None, "altitude"}
    width: int | None = None
    height: int | None = None


def _ratio(value: Any) -> float:
    if isinstance(value, tuple) and len(value) == 2:  # old-style (num, den)
        return float(Fraction(int(value[0]), int(value[1]) or 1))
    return float(value)


def _dms(value: Any) -> float:
    d, m, s = (_ratio(v) for v in value)
    return d + m / 60 + s / 3600


def _exif_gps(exif: Image.Exif) -> dict[str, Any] | None:
    gps = exif.get_ifd(_GPS_IFD)
    try:
        lat = _dms(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lon = _dms(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    altitude = None
    if 6 in gps:
        try:
            altitude = _ratio(gps[6]) * (-1 if gps.get(5) in (1, b"\x01") else 1)
        except (TypeError, ValueError, ZeroDivisionError):
            altitude = None
    return {"lat": round(lat, 7), "lon": round(lon, 7), "accuracy": None, "altitude": altitude}


def _exif_time(exif: Image.Exif) -> str | None:
    sub = exif.get_ifd(_EXIF_IFD)
    raw = sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if not isinstance(raw, str):
        return None
    try:
        when = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = sub.get(_OFFSET_TIME_ORIGINAL)
    text = when.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(offset, str) and len(offset.strip("\x00")) == 6:
        return text + offset.strip("\x00")
    # EXIF time is the camera's local time with no zone; a datetime field needs one (validation
    # refuses naive times), and the phone's own zone is the best guess for its camera.
    local = when.astimezone().strftime("%z")
    return f"{text}{local[:3]}:{local[3:]}"


class MediaStore:
    """The account's evidence files, and their rows in the ``attachments`` table."""

    def __init__(self, root: str | Path, store: Store) -> None:
        self.root = Path(root)
        self.store = store

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256

    def add(
        self, source: str | Path | bytes, *, max_side: int = 1600, jpeg_quality: int = 80
    ) -> StoredFile:
        """Process and store a file; queue it for upload. Returns what the evidence record needs."""
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        media_type = sniff_media_type(data[:SNIFF_BYTES])
        if media_type is None:
            raise UnsupportedFile("only JPEG, PNG, WebP photos and PDF documents are accepted")
        taken_at = gps = None
        width = height = None
        if media_type != "application/pdf":
            data, taken_at, gps, width, height = _process_image(
                data, media_type, max_side=max_side, jpeg_quality=jpeg_quality
            )
        if len(data) > MAX_FILE_BYTES:
            raise UnsupportedFile(f"file is {len(data)} bytes; the limit is {MAX_FILE_BYTES}")
        sha = hashlib.sha256(data).hexdigest()
        path = self.path_of(sha)
        if not path.exists():
            _write_atomic(path, data)
        with self.store.transaction():
            stored.add(
                self.store,
                sha256=sha,
                media_type=media_type,
                size=len(data),
                path=str(path.relative_to(self.root)),
                now=utc_now(),
            )
        return StoredFile(sha, media_type, len(data), path, taken_at, gps, width, height)

    def pending(self) -> list[dict[str, Any]]:
        return stored.pending(self.store)

    def note_uploaded(self, sha256: str, uploaded: int) -> None:
        """The server confirmed ``uploaded`` bytes of the file."""
        with self.store.transaction():
            stored.set_uploaded(self.store, sha256, uploaded)

    def mark_done(self, sha256: str) -> None:
        with self.store.transaction():
            stored.mark_done(self.store, sha256, utc_now())

    def mark_failed(self, sha256: str, code: str, message: str) -> None:
        """A file the server will never take (type, size): say so, do not retry it."""
        with self.store.transaction():
            stored.mark_failed(self.store, sha256, json.dumps({"code": code, "message": message}))

    def counts(self) -> dict[str, int]:
        """Files by upload state: pending, done, failed."""
        by_state = stored.counts_by_state(self.store)
        return {state: by_state.get(state, 0) for state in ("pending", "done", "failed")}


def _process_image(
    data: bytes, media_type: str, *, max_side: int, jpeg_quality: int
) -> tuple[bytes, str | None, dict[str, Any] | None, int, int]:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            exif = img.getexif()
            taken_at = _exif_time(exif)
            gps = _exif_gps(exif)
            upright = ImageOps.exif_transpose(img)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UnsupportedFile(f"the image cannot be read: {exc}") from exc
    if max(upright.size) > max_side:
        upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if media_type == "image/jpeg":
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        # exif_transpose already removed the orientation tag from this Exif.
        upright.save(
            out, "JPEG", quality=jpeg_quality, optimize=True, exif=upright.getexif().tobytes()
        )
    elif media_type == "image/png":
        upright.save(out, "PNG", optimize=True)
    else:
        upright.save(out, "WEBP", quality=jpeg_quality)
    return out.getvalue(), taken_at, gps, upright.size[0], upright.size[1]


def _write_atomic(path: Path, data: bytes) -> None:
    """Write, fsync, rename: a crash leaves the whole file or no file, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
