"""Server commands of `dkst`: serve, units import, users, devices, demo, migrate.

Every command takes ``--data-dir`` (default: ``$DKST_DATA_DIR``, then ``./data``); the database is
``DATABASE_URL`` when set, else ``<data-dir>/dkst.sqlite``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from server.config import ServerSettings

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir", envvar="DKST_DATA_DIR", help="Data directory (database, attachments)."
    ),
]
DEFAULT_DATA = Path("data")

users_app = typer.Typer(help="Người dùng / users.", no_args_is_help=True)
devices_app = typer.Typer(help="Thiết bị / devices.", no_args_is_help=True)


def _settings(data_dir: Path) -> ServerSettings:
    return ServerSettings(data_dir=data_dir)


def _engine(data_dir: Path) -> Engine:
    from server.db.engine import make_engine
    from server.db.migrate import upgrade

    settings = _settings(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    upgrade(engine)
    return engine


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def serve(
    data_dir: DataDir = DEFAULT_DATA,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    public_url: Annotated[
        str | None,
        typer.Option(
            envvar="DKST_PUBLIC_URL",
            help="The address phones reach this server at (in the set-up QR code); "
            "default http://<host>:<port>.",
        ),
    ] = None,
) -> None:
    """Run the API server (migrates the database first).

    Example:
        dkst serve --data-dir data --port 8000 --public-url https://dkst.example.vn
    """
    import socket

    import uvicorn

    from server.api.http_protocol import PROTOCOL

    # create_app() migrates on start (in every worker); nothing to do twice here.
    os.environ["DKST_DATA_DIR"] = str(data_dir)
    if not public_url:
        shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
        public_url = f"http://{shown}:{port}"
    os.environ["DKST_PUBLIC_URL"] = public_url.rstrip("/")
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Each worker counts apart; prometheus-client's multiprocess mode adds them up, so any
        # worker answers /metrics for all (server/metrics.py).
        import tempfile

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="dkst-metrics-")
    typer.echo(f"DKST Field API on http://{host}:{port}/docs  (data: {data_dir})")
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        http=PROTOCOL,  # malformed requests get the JSON error shape too
    )


def migrate(data_dir: DataDir = DEFAULT_DATA) -> None:
    """Bring the database schema up to date.

    Example:
        dkst migrate --data-dir data
    """
    _engine(data_dir).dispose()
    typer.echo("database is up to date")


def units_import(
    source: Annotated[
        str,
        typer.Option(
            help="current (since the 2025 reform; a new installation's) or legacy (until mid-2025)."
        ),
    ] = "current",
    under: Annotated[
        str | None, typer.Option(help="Only this unit's subtree (and its ancestors).")
    ] = None,
    data_dir: DataDir = DEFAULT_DATA,
) -> None:
    """Import administrative units into the server's database. A server works in one tree: the
    other tree's units are refused.

    Example:
        dkst units import --under 68
        dkst units import --source legacy --under 662
    """
    from server.db.engine import write_tx
    from server.services.units import OtherTreeError, import_units
    from shared_schema.units import UnknownUnitError

    if source not in ("legacy", "current"):
        _fail("--source must be legacy or current")
    engine = _engine(data_dir)
    try:
        with write_tx(engine) as conn:
            n = import_units(conn, source=source, under=under)
    except (UnknownUnitError, OtherTreeError) as exc:
        _fail(str(exc))
    typer.echo(f"imported {n} units")


def units_reform(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would move; write nothing.")
    ] = False,
    assign: Annotated[
        list[str] | None,
        typer.Option(
            help="OLD=NEW: where a legacy unit with no known successor goes (repeatable)."
        ),
    ] = None,
    choices: Annotated[
        Path | None,
        typer.Option(help="CSV of what needed a choice (default: <data-dir>/reform-choices.csv)."),
    ] = None,
    batch: Annotated[int, typer.Option(help="Records moved per batch (memory).", min=100)] = 5000,
    data_dir: DataDir = DEFAULT_DATA,
) -> None:
    """Move the server from the legacy units to those of the 2025 reform, all or nothing.

    Example:
        dkst units reform --dry-run
    """
    from server.cli_reform import run_reform

    pairs: dict[str, str] = {}
    for item in assign or []:
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            _fail(f"--assign {item!r}: write it OLD=NEW, e.g. --assign 28825=28840")
        pairs[old.strip()] = new.strip()
    engine = _engine(data_dir)
    out = choices or data_dir / "reform-choices.csv"
    code = run_reform(
        engine, dry_run=dry_run, assigned=pairs, choices_csv=out, echo=typer.echo, batch=batch
    )
    if code:
        raise typer.Exit(code)


def _read_password(prompt: bool) -> str:
    if sys.stdin.isatty() and prompt:
        return typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[
        str, typer.Option(help="field_officer, commune_staff, district_staff or admin.")
    ],
    unit: Annotated[list[str], typer.Option(help="Unit code (repeat for several).")],
    data_dir: DataDir = DEFAULT_DATA,
) -> None:
    """Add a user bound to one or more units. The password is read from stdin or a prompt.

    Example:
        echo 'a long secret' | dkst users add lan --role field_officer --unit 24643
    """
    from server.db.engine import write_tx
    from server.services.auth import UserError, add_user

    password = _read_password(prompt=True)
    engine = _engine(data_dir)
    try:
        with write_tx(engine) as conn:
            add_user(conn, username=username, password=password, role=role, unit_codes=unit)
    except UserError as exc:
        _fail(str(exc))
    typer.echo(f"added {username} ({role}, {', '.join(unit)})")


@users_app.command("set-password")
def users_set_password(username: str, data_dir: DataDir = DEFAULT_DATA) -> None:
    """Give a user a new password (read from stdin or a prompt); their sessions and tokens end.

    For a lost password, or a demo user's once its printed password is gone.

    Example:
        echo 'a new long secret' | dkst users set-password mttq.dakwil
    """
    from server.db.engine import write_tx
    from server.services.auth import UserError, set_password

    password = _read_password(prompt=True)
    try:
        with write_tx(_engine(data_dir)) as conn:
            set_password(conn, username, password)
    except UserError as exc:
        _fail(str(exc))
    typer.echo(f"new password set for {username}; their sessions have ended")


@users_app.command("revoke")
def users_revoke(username: str, data_dir: DataDir = DEFAULT_DATA) -> None:
    """Disable a user; every token of theirs is refused at once.

    Example:
        dkst users revoke lan
    """
    from server.db.engine import write_tx
    from server.services.auth import revoke_user

    with write_tx(_engine(data_dir)) as conn:
        if not revoke_user(conn, username):
            _fail(f"no user {username!r}")
    typer.echo(f"revoked {username}")


@users_app.command("list")
def users_list(data_dir: DataDir = DEFAULT_DATA) -> None:
    """List users with their role, units, state, and what the role is on those units.

    Example:
        dkst users list
    """
    from server.db.engine import read_tx
    from server.services.accounts import with_titles
    from server.services.auth import list_users

    with read_tx(_engine(data_dir)) as conn:
        for u in with_titles(conn, list_users(conn), "vi"):
            state = "disabled" if u["disabled"] else "active"
            units = ",".join(u["units"])
            typer.echo(f"{u['username']:<20} {u['role']:<15} {units:<20} {state:<8} {u['title']}")


@devices_app.command("list")
def devices_list(data_dir: DataDir = DEFAULT_DATA) -> None:
    """List devices that have logged in, with their users (``name!``: revoked for that user).

    Example:
        dkst devices list
    """
    from server.db.engine import read_tx
    from server.services.auth import list_devices

    with read_tx(_engine(data_dir)) as conn:
        for d in list_devices(conn):
            state = "revoked" if d["revoked"] else "active"
            users = ",".join(d["users"]) or "-"  # type: ignore[arg-type]
            typer.echo(f"{d['device_id']:<40} {users:<30} {d['last_seen']}  {state}")


@devices_app.command("revoke")
def devices_revoke(device_id: str, data_dir: DataDir = DEFAULT_DATA) -> None:
    """Revoke a device for every user; every token bound to it is refused at once.

    Example:
        dkst devices revoke phone-7f3a
    """
    from server.db.engine import write_tx
    from server.services.auth import revoke_device

    with write_tx(_engine(data_dir)) as conn:
        if not revoke_device(conn, device_id):
            _fail(f"no device {device_id!r}")
    typer.echo(f"revoked {device_id}")


@devices_app.command("provision")
def devices_provision(
    username: str,
    png: Annotated[Path, typer.Option("--png", help="Where to write the QR code image.")],
    server: Annotated[
        str, typer.Option(help="The address phones reach this server at.")
    ] = "http://127.0.0.1:8000",
    lang: Annotated[str, typer.Option(help="The app's language: vi or en.")] = "vi",
    data_dir: DataDir = DEFAULT_DATA,
) -> None:
    """Write a QR code that sets up the field app for USERNAME (server, username, language; no
    password or token: the officer types the password).

    Example:
        dkst devices provision canbo.dakwil --png canbo.png --server https://dkst.example.vn
    """
    import segno

    from server.db.engine import read_tx
    from server.services.auth import list_users
    from shared_schema.provisioning import ProvisioningError, encode

    with read_tx(_engine(data_dir)) as conn:
        if not any(u["username"] == username for u in list_users(conn)):
            _fail(f"no user {username!r}")
    try:
        segno.make_qr(encode(server, username, lang), error="m").save(str(png), scale=8, border=4)
    except ProvisioningError as exc:
        _fail(str(exc))
    typer.echo(f"wrote {png}: {server} {username} ({lang})")


def demo(
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="First Huyện Cư Jút's 2022–2025 records on the old map, then the 2025 reform.",
        ),
    ] = False,
    data_dir: DataDir = DEFAULT_DATA,
) -> None:
    """Load the demo on the new map: Tỉnh Lâm Đồng (68) and its communes, province staff
    (``tinh``), commune staff and officers of Xã Đắk Wil, Xã Cư Jút and Xã Nam Dong, sample
    records.

    Prints the demo users' passwords once. Safe to run again (it only adds what is missing).

    With --history (on a new data directory): Huyện Cư Jút's records of 2022 on the old map and a
    2022 plan of the district, moved by `dkst units reform` to the new communes, then the above.

    Example:
        dkst demo --data-dir data
        dkst demo --history --data-dir data-history
    """
    from server.services.demo import load_demo
    from server.services.demo_history import load_history_demo
    from server.services.units import OtherTreeError

    engine = _engine(data_dir)
    try:
        loader = load_history_demo if history else load_demo
        for line in loader(engine, _settings(data_dir)):
            typer.echo(line)
    except OtherTreeError as exc:  # a data directory of the old demo, on the legacy tree
        _fail(f"{exc} The demo is on the new map: give it a new --data-dir.")


def register(app: typer.Typer) -> None:
    from dkst.reference import units_app

    app.command("serve")(serve)
    app.command("migrate")(migrate)
    app.command("demo")(demo)
    units_app.command("import")(units_import)
    units_app.command("reform")(units_reform)
    app.add_typer(users_app, name="users")
    app.add_typer(devices_app, name="devices")
