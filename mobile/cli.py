"""``dkst device …``: the field app's core from a terminal (a desktop officer, tests, support).

Each command parses its options, calls one ``mobile.core`` function and prints the answer.
Exit codes: 0 done; 1 saved but not finalized (validation issues) or sync left rejected changes;
2 bad usage; 3 login needed; 4 server unreachable (nothing lost: run ``sync`` again).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mobile.core.device import Device, LoginFailed, NotLoggedIn
from mobile.core.http import DeviceApiError, NeedsLogin, ServerUnreachable
from mobile.core.media import UnsupportedFile
from mobile.core.records import LocalRecord, RecordNotFound, SaveResult
from mobile.core.sync import Progress

__all__ = ["device_app", "register"]

device_app = typer.Typer(
    help="Thiết bị hiện trường / the field app's store and sync, without screens.",
    no_args_is_help=True,
)

_DEFAULT_DIR = os.environ.get("DKST_DEVICE_DIR") or str(Path.home() / ".local/share/dkst-device")


def register(app: typer.Typer) -> None:
    """Add ``device`` to the main ``dkst`` app."""
    app.add_typer(device_app, name="device")


@device_app.callback()
def _main(
    ctx: typer.Context,
    data_dir: Annotated[
        Path, typer.Option("--data-dir", help="The device's data directory (env DKST_DEVICE_DIR).")
    ] = Path(_DEFAULT_DIR),
) -> None:
    ctx.obj = data_dir


def _open(ctx: typer.Context) -> Device:
    try:
        return Device.open(ctx.obj)
    except NotLoggedIn as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(3) from None


def _fail(code: int, text: str) -> typer.Exit:
    typer.echo(text, err=True)
    return typer.Exit(code)


@device_app.command()
def login(
    ctx: typer.Context,
    server: Annotated[str, typer.Option(help="Server URL, e.g. https://dkst.example.vn")],
    username: Annotated[str, typer.Option(help="Your username")],
    device_id: Annotated[
        str | None, typer.Option(help="This device's id (default: kept from before, or new)")
    ] = None,
) -> None:
    """Log in and make this the data directory's current account.

    The password is read from standard input (or asked for), never taken as an argument, so it
    stays out of shell history and process lists.

    Example: echo "$PW" | dkst device --data-dir ./phone login --server http://127.0.0.1:8000
    --username lan
    """
    if sys.stdin.isatty():
        password = typer.prompt("Mật khẩu / password", hide_input=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        device = Device.login(
            ctx.obj, server=server, username=username, password=password, device_id=device_id
        )
    except LoginFailed as exc:
        raise _fail(3, f"login refused: {exc.code}: {exc.message}") from None
    except ServerUnreachable as exc:
        raise _fail(4, f"server unreachable: {exc}") from None
    with device:
        user = device.user
        typer.echo(
            f"logged in as {user.get('username')} ({user.get('role')}, units "
            f"{', '.join(user.get('units') or [])}) on device {device.device_id}"
        )


def _print_progress(p: Progress) -> None:
    if p.phase == "upload":
        typer.echo(f"upload: {p.bytes_done}/{p.bytes_total} bytes", err=True)
    elif p.phase != "done":
        total = "" if p.records_total is None else f"/{p.records_total}"
        typer.echo(f"{p.phase}: {p.records_done}{total} records", err=True)


@device_app.command()
def sync(
    ctx: typer.Context,
    upload: Annotated[bool, typer.Option(help="Upload evidence files too")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines")] = False,
) -> None:
    """Send the outbox, fetch what changed, upload files. Safe to stop and run again.

    Example: dkst device --data-dir ./phone sync
    """
    with _open(ctx) as device:
        try:
            report = device.sync(None if quiet else _print_progress, upload=upload)
        except NeedsLogin:
            raise _fail(3, "the server asks for a new login: run `dkst device login`") from None
        except ServerUnreachable as exc:
            raise _fail(4, f"server unreachable, nothing lost: {exc}") from None
        except DeviceApiError as exc:
            raise _fail(1, f"sync stopped: {exc.code}: {exc.message}") from None
        typer.echo(
            f"pushed {report.pushed} (applied {report.applied}, conflicts {report.conflicts}, "
            f"duplicates {report.duplicates}, rejected {report.rejected}), pulled "
            f"{report.pulled}, files {report.files_uploaded} uploaded"
            + (f", {report.files_failed} refused" if report.files_failed else "")
        )
        for problem in report.problems:
            typer.echo(f"  ! {problem}", err=True)
        if device.outbox.counts().rejected:
            raise typer.Exit(1)


@device_app.command()
def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable")] = False,
) -> None:
    """Outbox counts, last sync, and the changes the server refused, with its reasons.

    Example: dkst device --data-dir ./phone status
    """
    with _open(ctx) as device:
        st = device.status()
    if as_json:
        typer.echo(json.dumps(st, ensure_ascii=False, indent=1))
        return
    ob = st["outbox"]
    typer.echo(f"{st['username']} @ {st['server']} (device {st['device_id']})")
    typer.echo(f"records: {st['records']}, drafts: {st['drafts']}")
    typer.echo(
        f"outbox: {ob['pending']} pending, {ob['sent']} sent, {ob['rejected']} rejected, "
        f"{ob['conflicts']} with conflicts"
    )
    f = st["files"]
    typer.echo(f"files: {f['pending']} to upload, {f['done']} uploaded, {f['failed']} refused")
    typer.echo(f"last sync: {st['last_sync_at'] or 'never'}")
    for r in st["rejected"]:
        reasons = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in r["errors"])
        typer.echo(f"  rejected {r['entity']} {r['record_id']}: {reasons}")


def _coerce(ftype: str | None, raw: str) -> Any:
    """A command-line ``name=value`` as the form's type wants it (JSON for anything structured)."""
    if raw == "":
        return None
    if ftype == "integer":
        return int(raw)
    if ftype == "decimal":
        return float(raw)
    if ftype == "select_multiple":
        return json.loads(raw) if raw.startswith("[") else [v for v in raw.split(",") if v]
    if ftype == "geopoint":
        if raw.startswith("{"):
            return json.loads(raw)
        parts = [float(x) for x in raw.split(",")]
        return {
            "lat": parts[0],
            "lon": parts[1],
            "accuracy": parts[2] if len(parts) > 2 else None,
            "altitude": parts[3] if len(parts) > 3 else None,
        }
    if ftype == "attachment":
        return json.loads(raw)
    return raw


_ARTICLE = {"integer": "an", "attachment": "an"}


def _values(
    device: Device, entity: str, field: list[str] | None, json_file: Path | None
) -> dict[str, Any]:
    """``--json`` then ``-f name=value`` options as the form's types want them."""
    values: dict[str, Any] = {}
    if json_file is not None:
        try:
            loaded = json.loads(json_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _fail(2, f"cannot read {json_file}: {exc}") from None
        if not isinstance(loaded, dict):
            raise _fail(2, "--json must hold one JSON object")
        values.update(loaded)
    try:
        form = device.forms.latest(entity)
    except LookupError:
        raise _fail(2, f"no form for {entity!r} on this device") from None
    types = {f.name: f.type for f in form.fields}
    for item in field or []:
        name, sep, raw = item.partition("=")
        if not sep:
            raise _fail(2, f"--field wants name=value, got {item!r}")
        if name not in types:
            raise _fail(2, f"the {entity} form has no field {name!r} (see: dkst forms show)")
        try:
            values[name] = _coerce(types.get(name), raw)
        except (ValueError, IndexError):
            raise _fail(
                2,
                f"{name}: {raw!r} is not {_ARTICLE.get(types[name], 'a')} {types[name]} (see: dkst forms show)",
            ) from None
    return values


def _report(result: SaveResult, finalize: bool) -> None:
    """Print the record id and any problems; exit 1 when a finalize left a draft."""
    typer.echo(result.record_id)
    _problems(result, finalize)


def _problems(result: SaveResult, finalize: bool) -> None:
    for issue in result.issues:
        typer.echo(f"  {issue.field}: {issue.message} ({issue.code})", err=True)
    if finalize and not result.finalized:
        raise _fail(1, "saved as a draft: fix the fields above, then finalize")


def _record(device: Device, record_id: str) -> LocalRecord:
    try:
        return device.records.get(record_id)
    except RecordNotFound:
        raise _fail(2, f"no record {record_id} on this device (see: dkst device list)") from None


@device_app.command()
def new(
    ctx: typer.Context,
    entity: Annotated[str, typer.Argument(help="residential_area, model, visit, evidence, …")],
    field: Annotated[
        list[str] | None, typer.Option("--field", "-f", help="name=value, repeatable")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="A JSON object of field values")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Save without finalizing")] = False,
    unit: Annotated[str | None, typer.Option(help="Commune code (default: your only unit)")] = None,
) -> None:
    """Record something new, validated by its form; prints the record id.

    Example: dkst device new residential_area -f name="Thôn 3" -f kind=thon
    """
    with _open(ctx) as device:
        values = _values(device, entity, field, json_file)
        try:
            result = device.records.create(entity, values, unit=unit, finalize=not draft)
        except ValueError as exc:
            raise _fail(2, str(exc)) from None
        _report(result, not draft)


@device_app.command()
def edit(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(help="The record's id (see: dkst device list)")],
    field: Annotated[
        list[str] | None,
        typer.Option("--field", "-f", help="name=value, repeatable; name= clears a field"),
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="A JSON object of field values")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Keep as a draft")] = False,
) -> None:
    """Change fields of a record (a draft that failed validation, or a finalized one).

    Example: dkst device edit 0b6e…-… -f stop_reason="Thiếu vốn" -f status=stopped
    """
    with _open(ctx) as device:
        rec = _record(device, record_id)
        values = _values(device, rec.entity, field, json_file)
        try:
            result = device.records.edit(record_id, values, finalize=not draft)
        except ValueError as exc:
            raise _fail(2, str(exc)) from None
        _report(result, not draft)


@device_app.command()
def finalize(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(help="The draft's id (see: dkst device list)")],
) -> None:
    """Validate a draft and queue it for the server; lists what is still wrong.

    Example: dkst device finalize 0b6e…-…
    """
    with _open(ctx) as device:
        _record(device, record_id)
        _report(device.records.finalize(record_id), True)


@device_app.command()
def delete(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(help="The record's id (see: dkst device list)")],
) -> None:
    """Delete a record: a deletion sent at the next sync (a never-sent draft just goes).

    Example: dkst device delete 0b6e…-…
    """
    with _open(ctx) as device:
        _record(device, record_id)
        change = device.records.delete(record_id)
    typer.echo("deleted; the server hears of it at the next sync" if change else "draft removed")


@device_app.command()
def photo(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(help="The visit or model it is evidence of")],
    file: Annotated[Path, typer.Argument(help="A JPEG, PNG or WebP photo, or a PDF")],
    caption: Annotated[str, typer.Option(help="What the photo shows")] = "",
) -> None:
    """Attach a photo or document as evidence (resized, queued for upload); prints its id.

    Example: dkst device photo 0b6e…-… ~/anh/nha-luoi.jpg --caption "Nhà lưới ủ phân"
    """
    with _open(ctx) as device:
        rec = _record(device, record_id)
        if rec.entity not in ("visit", "model"):
            raise _fail(2, f"evidence belongs to a visit or a model, not a {rec.entity}")
        try:
            stored, result = device.add_evidence(
                file, parent_field=rec.entity, parent_id=record_id, caption=caption
            )
        except UnsupportedFile as exc:
            raise _fail(2, f"{file}: not accepted: {exc}") from None
        except OSError as exc:
            raise _fail(2, f"cannot read {file}: {exc.strerror or exc}") from None
        typer.echo(f"{result.record_id}  ({stored.media_type}, {stored.size:,} bytes)")
        _problems(result, True)


def _row_line(r: LocalRecord) -> str:
    return f"{r.record_id}  {r.entity:<16} {r.status:<8} {r.title}"


@device_app.command("list")
def list_(
    ctx: typer.Context,
    entity: Annotated[str | None, typer.Argument(help="Only this entity")] = None,
    search: Annotated[
        str | None, typer.Option(help="Words to find; accents optional ('doan ket')")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable")] = False,
) -> None:
    """Records on this device, by title.

    Example: dkst device list model --search "doan ket"
    """
    with _open(ctx) as device:
        rows = device.records.list(entity, search=search, limit=limit)
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=1))
        return
    for r in rows:
        typer.echo(_row_line(r))


if __name__ == "__main__":  # `python -m mobile.cli device …` without the rest of dkst
    _standalone = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    register(_standalone)
    _standalone()
