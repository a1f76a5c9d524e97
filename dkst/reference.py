"""`dkst units` and `dkst forms`: read the reference data that ships with shared_schema.

Thin commands: each calls one library function and formats what it returns.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from shared_schema.units import UnknownUnitError, load_units

__all__ = ["forms_app", "units_app"]

units_app = typer.Typer(
    help="Administrative units (legacy 3-tier and current 2-tier lists).", no_args_is_help=True
)
forms_app = typer.Typer(help="Form definitions shipped with shared_schema.", no_args_is_help=True)


class UnitSource(StrEnum):
    legacy = "legacy"
    current = "current"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"Error: {message}", err=True)
    return typer.Exit(code)


def _table(rows: list[list[str]]) -> str:
    """Left-aligned columns, two spaces apart; the last column is not padded."""
    if not rows:
        return ""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)] + [row[-1]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


@units_app.command("list")
def units_list(
    source: Annotated[
        UnitSource,
        typer.Option(
            help="legacy: the 3-tier list in force until mid-2025 (province, district, commune); "
            "current: the 2-tier list since July 2025 (province, commune)."
        ),
    ],
    under: Annotated[
        str | None, typer.Option(help="Only this unit and its descendants (a unit code).")
    ] = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = (
        OutputFormat.table
    ),
) -> None:
    """List administrative units as an indented tree: code, level, name.

    \b
    Example:
        dkst units list --source legacy --under 662
        dkst units list --source current --under 68 --format json
    """
    try:
        tree = load_units(source.value, under)
    except UnknownUnitError as exc:
        raise _fail(str(exc)) from None
    units = list(tree)
    if fmt is OutputFormat.json:
        typer.echo(
            json.dumps(
                [
                    {
                        "code": u.code,
                        "name": u.name,
                        "level": u.level,
                        "parent": u.parent,
                        "kind": u.kind,
                    }
                    for u in units
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    depth: dict[str, int] = {}
    rows = [["code", "level", "name"]]
    for u in units:
        depth[u.code] = depth[u.parent] + 1 if u.parent in depth else 0
        rows.append(["  " * depth[u.code] + u.code, u.level, u.name])
    typer.echo(_table(rows))


@forms_app.command("list")
def forms_list() -> None:
    """List every form definition: id, version, entity, number of fields, title.

    \b
    Example:
        dkst forms list
    """
    from shared_schema.forms import load_default_forms

    forms = sorted(load_default_forms().all(), key=lambda f: (f.form_id, f.version))
    rows = [["form_id", "version", "entity", "fields", "title (vi / en)"]]
    for f in forms:
        title = f"{f.title.vi} / {f.title.en}"
        rows.append([f.form_id, str(f.version), f.entity, str(len(f.fields)), title])
    typer.echo(_table(rows))


@forms_app.command("show")
def forms_show(
    form_id: Annotated[str, typer.Argument(help="The form's id, as in `dkst forms list`.")],
    version: Annotated[
        int | None, typer.Option(help="A version of the form (default: the latest).")
    ] = None,
) -> None:
    """Show one form's fields: name, type, required, Vietnamese label.

    \b
    Example:
        dkst forms show dkst_model
        dkst forms show dkst_model --version 1
    """
    from shared_schema.forms import load_default_forms

    forms = load_default_forms()
    if version is None:
        versions = [f.version for f in forms.all() if f.form_id == form_id]
        if not versions:
            raise _fail(f"unknown form {form_id!r} (see: dkst forms list)")
        version = max(versions)
    try:
        form = forms.get(form_id, version)
    except (LookupError, ValueError):
        form = None
    if form is None:
        raise _fail(f"unknown form {form_id!r} version {version}")
    typer.echo(f"{form.form_id} v{form.version} ({form.entity}): {form.title.vi}")
    typer.echo(f"sha256 {form.sha256}")
    rows = [["name", "type", "required", "label"]]
    for fd in form.fields:
        rows.append([fd.name, fd.type, "yes" if fd.required else "no", fd.label.vi])
    typer.echo(_table(rows))
    # What a value looks like, for `dkst device new/edit -f name=value`.
    for fd in form.fields:
        if fd.choices:
            typer.echo(
                f"\n{fd.name} ({fd.type}): one of"
                + (" or more, comma-separated" if fd.type == "select_multiple" else "")
            )
            for c in fd.choices:
                typer.echo(f"  {c.value:<26} {c.label.vi} / {c.label.en}")
        elif fd.type in _FORMATS:
            typer.echo(f"\n{fd.name} ({fd.type}): {_FORMATS[fd.type]}")
        if fd.relevant:
            typer.echo(f"  only when: {fd.relevant}")


_FORMATS = {
    "geopoint": "LAT,LON[,ACCURACY_M[,ALTITUDE_M]] e.g. 12.6958,107.7712,4 "
    '(or JSON {"lat", "lon", "accuracy", "altitude"})',
    "date": "YYYY-MM-DD, e.g. 2026-03-14",
    "datetime": "ISO 8601 in UTC, e.g. 2026-03-14T08:30:00Z",
    "reference": "the record id (a UUID) shown by `dkst device list`",
    "unit": "a unit code of yours, e.g. 24643",
    "attachment": 'JSON {"sha256", "media_type", "size"}; `dkst device photo` makes evidence',
}
