"""``dkst app``: the field app's window on a desktop."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("app")(start)


def start(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="The device's data directory (env DKST_DEVICE_DIR), shared with `dkst device`.",
        ),
    ] = None,
) -> None:
    """Open the field app (Kivy window): log in, record models and visits, sync.

    Example: dkst app --data-dir ~/dkst-device
    """
    from mobile.ui.main import run  # Kivy only when the window is wanted

    run(data_dir)
