"""`dkst`: thin commands over the library layers.

Sub-command groups live beside the code they drive (``server.cli``, ``mobile.cli``) and are added
here when their package's extras are installed, so `dkst units list` works with the base install.
"""

from __future__ import annotations

import importlib

import typer

from dkst import reference

app = typer.Typer(
    help="DKST Field — khảo sát mô hình “Đoàn kết sáng tạo” / survey of 'Solidarity and creativity' models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(reference.units_app, name="units")
app.add_typer(reference.forms_app, name="forms")


def _mount(module: str) -> None:
    """Add the commands of an optional part (server, device) when its dependencies are installed."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:  # extras not installed: the base commands still work
        if exc.name and exc.name.split(".")[0] in {"server", "mobile"}:
            return
        if exc.name and exc.name.split(".")[0] not in {
            "fastapi",
            "sqlalchemy",
            "uvicorn",
            "sqlite_utils",
            "requests",
            "PIL",
        }:
            raise
        return
    mod.register(app)


_mount("server.cli")
_mount("server.cli_forms")
_mount("server.cli_ops")
_mount("mobile.cli")
_mount("mobile.ui.cli")


def main() -> None:
    app()
