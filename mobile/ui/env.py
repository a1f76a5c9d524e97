"""Kivy's process-wide settings, which must be made before the first ``import kivy`` (TRAPS.md)."""

from __future__ import annotations

import os
import tempfile

# A phone held upright; the desktop window has the same shape so screenshots match a phone.
WINDOW_SIZE = (420, 780)


def prepare_kivy(*, width: int = WINDOW_SIZE[0], height: int = WINDOW_SIZE[1]) -> None:
    """Quiet, argument-free Kivy with a fixed window size; call before importing kivy."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="dkst-kivy-"))
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "1")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "log_level", "warning")
