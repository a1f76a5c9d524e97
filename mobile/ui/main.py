"""Start the app: Kivy's environment first (TRAPS.md), then the App on a data directory."""

from __future__ import annotations

import os
from pathlib import Path

from mobile.ui.env import prepare_kivy

__all__ = ["default_data_dir", "run"]


def default_data_dir() -> Path:
    """The device's data directory: ``$DKST_DEVICE_DIR``, else the per-user app data folder."""
    env = os.environ.get("DKST_DEVICE_DIR")
    if env:
        return Path(env)
    private = os.environ.get("ANDROID_PRIVATE")  # python-for-android's app folder
    if private:
        return Path(private) / "dkst"
    return Path.home() / ".local/share/dkst-device"


def run(data_dir: str | Path | None = None) -> None:
    where = Path(data_dir) if data_dir else default_data_dir()
    prepare_kivy(where / "kivy")
    from mobile.ui.app import FieldApp

    FieldApp(where).run()


if __name__ == "__main__":
    run()
