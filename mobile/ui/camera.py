"""Where a photo comes from: the phone's camera (plyer) on Android, a file chooser elsewhere.

plyer's camera raises ``NotImplementedError`` on Linux (TRAPS.md), so the app asks this small
interface instead of plyer, and the desktop build shows a file chooser.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

__all__ = ["AndroidCamera", "Camera", "camera_for_platform"]


class Camera(Protocol):
    def take(self, on_photo: Callable[[str | None], None]) -> None:
        """Take a photo; call ``on_photo`` with its file path, or ``None`` if cancelled."""


class AndroidCamera:
    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder or tempfile.gettempdir())

    def take(self, on_photo: Callable[[str | None], None]) -> None:
        from plyer import camera  # only on a phone: plyer's lookup is slow and Android-only here

        path = self.folder / f"dkst-{int(time.time() * 1000)}.jpg"

        def done(filename: str) -> bool:
            on_photo(filename if filename and os.path.exists(filename) else None)
            return False  # keep the file: the core reads it, then we may delete it

        camera.take_picture(filename=str(path), on_complete=done)


def camera_for_platform() -> Camera | None:
    """The phone's camera, or ``None`` on a desktop (the photo screen shows a file chooser)."""
    if "ANDROID_ARGUMENT" in os.environ or "ANDROID_PRIVATE" in os.environ:
        return AndroidCamera()
    return None
