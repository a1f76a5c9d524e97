"""`dkst forms publish`: an XLSForm published from the server's shell, through the same service
(and the same sandboxed reader) as ``POST /forms`` and the staff web's page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from server.cli import DEFAULT_DATA, DataDir, _engine, _fail

__all__ = ["forms_publish", "register"]


def _explain(details: dict[str, object] | None) -> str:
    problems = (details or {}).get("problems")
    if isinstance(problems, list):
        lines = []
        for p in problems:
            where = ", ".join(
                f"{k} {p[k]}" for k in ("sheet", "row", "column") if p.get(k) is not None
            )
            lines.append(f"  {where}: {p.get('message')}")
        return "\n".join(lines)
    return f"  {details}" if details else ""


def forms_publish(
    path: Annotated[Path, typer.Argument(help="The XLSForm (.xlsx).", exists=True, dir_okay=False)],
    unit: Annotated[str, typer.Option(help="The province or district whose devices get it.")],
    as_user: Annotated[
        str, typer.Option("--as", help="The administrator who publishes (recorded with it).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and show the difference; publish nothing.")
    ] = False,
    data_dir: DataDir = DEFAULT_DATA,
) -> None:
    """Publish an XLSForm as a new form version for a province's or district's devices.

    \b
    Example:
        dkst forms publish hoi_thi.xlsx --unit 662 --as admin.daknong --dry-run
        dkst forms publish hoi_thi.xlsx --unit 662 --as admin.daknong
    """
    from server.config import ServerSettings
    from server.db.engine import write_tx
    from server.errors import ServerError
    from server.services import forms as forms_service
    from shared_schema.errors import error_message

    settings = ServerSettings(data_dir=data_dir)
    data = path.read_bytes()
    engine = _engine(data_dir)
    try:
        draft = forms_service.convert(data, max_bytes=settings.max_form_bytes)
        act = forms_service.preview if dry_run else forms_service.publish
        with write_tx(engine) as conn:
            who = forms_service.shell_principal(conn, as_user)
            result = act(conn, who, draft, unit)
    except ServerError as exc:
        _fail(
            f"{exc.message or error_message(exc.code)} ({exc.code.value})\n{_explain(exc.details)}"
        )
        return
    finally:
        engine.dispose()
    form, diff = result.form, result.diff
    typer.echo(f"{result.status}: {form.form_id} v{form.version} ({form.entity}) for {result.unit}")
    typer.echo(f"  {form.title.vi} / {form.title.en}")
    if result.previous is not None:
        typer.echo(f"  compared with {result.previous.form_id} v{result.previous.version}:")
    typer.echo(f"  added: {', '.join(diff.added) or '-'}")
    typer.echo(f"  removed: {', '.join(diff.removed) or '-'}")
    for c in diff.changed:
        typer.echo(f"  changed: {c.name} ({', '.join(c.aspects)})")
    for w in result.warnings:
        typer.echo(f"  pyxform: {w}")


def register(app: typer.Typer) -> None:
    from dkst.reference import forms_app

    del app  # the command joins `dkst forms`, not the top level

    forms_app.command("publish")(forms_publish)
