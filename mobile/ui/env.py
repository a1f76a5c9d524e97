"""Kivy's process-wide settings, which must be made before the first ``import kivy`` (TRAPS.md)."""

from __future__ import annotations

import os
from pathlib import Path

# A phone held upright; the desktop window has the same shape so screenshots match a phone.
WINDOW_SIZE = (420, 780)


def prepare_kivy(
    kivy_home: str | Path, *, width: int = WINDOW_SIZE[0], height: int = WINDOW_SIZE[1]
) -> None:
    """Quiet, argument-free Kivy with a fixed window size; call before importing kivy.

    ``kivy_home`` is where Kivy keeps its own files (its icons, a ``mods`` folder): a folder of
    the app's data directory, made once and used again at every launch, rather than a new
    temporary folder per launch left behind in /tmp.

    Kivy's log goes to the terminal on its own logger only (``MIXED``): in its default mode it
    puts its handler on the root logger at level NOTSET, and every library's DEBUG records
    reached the terminal (urllib3's "Starting new HTTP connection" at each probe and sync).
    """
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "MIXED")
    os.environ.setdefault("KIVY_HOME", str(kivy_home))
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "1")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "log_level", "warning")
