"""Operations commands of `dkst`: storage migrate/check, backup, restore (issue 21).

The store is the one the server would use: ``DKST_BLOB_URL`` (an S3 bucket) when set, else
``<data-dir>/attachments``. The database is ``DATABASE_URL`` when set, else the data dir's SQLite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from server.cli import DEFAULT_DATA, DataDir, _engine, _fail, _settings

storage_app = typer.Typer(help="Kho tệp minh chứng / evidence file store.", no_args_is_help=True)


def _s3_settings_needed(blob_url: str) -> None:
    if not blob_url:
        _fail("set DKST_BLOB_URL=s3://bucket/prefix (and the endpoint and credentials) first")


@storage_app.command("migrate")
def storage_migrate(
    to: Annotated[Literal["s3", "local"], typer.Option("--to", help="s3 or local.")],
    data_dir: DataDir = DEFAULT_DATA,
    delete_source: Annotated[
        bool,
        typer.Option(help="Delete from the source once every file is verified in the target."),
    ] = False,
) -> None:
    """Copy every evidence file between the local directory and the bucket of DKST_BLOB_URL.

    Each file is verified by its SHA-256 in the target; a run cut short resumes when run again;
    nothing is deleted unless --delete-source, and then only after every file verified. Restart
    the servers with DKST_BLOB_URL set (--to s3) or unset (--to local) afterwards.

    Example:
        DKST_BLOB_URL=s3://dkst-evidence/prod dkst storage migrate --to s3 --data-dir data
    """
    from server.blobs import blob_store
    from server.services.storage import migrate
    from server.storage import LocalBlobStore

    settings = _settings(data_dir)
    _s3_settings_needed(settings.blob_url)
    local, bucket = LocalBlobStore(settings.attachments_dir), blob_store(settings)
    source, target = (local, bucket) if to == "s3" else (bucket, local)
    report = migrate(
        source,
        target,
        delete_source=delete_source,
        progress=lambda sha, what: typer.echo(f"{sha} {what}"),
    )
    typer.echo(
        f"copied {len(report.copied)}, already there {len(report.already)}, "
        f"corrupt in the source {len(report.corrupt_source)}, "
        f"not verified {len(report.failed)}, deleted from the source {len(report.deleted)}"
    )
    if not report.ok:
        raise typer.Exit(1)


@storage_app.command("check")
def storage_check(data_dir: DataDir = DEFAULT_DATA) -> None:
    """Read back every file the database records and check its hash; exit 1 on any problem.

    Example:
        dkst storage check --data-dir data
    """
    from server.blobs import blob_store
    from server.services.storage import check

    engine = _engine(data_dir)
    try:
        report = check(engine, blob_store(_settings(data_dir)))
    finally:
        engine.dispose()
    for sha in report.missing:
        typer.echo(f"missing {sha}")
    for sha in report.corrupt:
        typer.echo(f"corrupt {sha}")
    typer.echo(
        f"checked {report.checked} files ({report.bytes} bytes whole): "
        f"{len(report.missing)} missing, {len(report.corrupt)} corrupt"
    )
    if not report.ok:
        raise typer.Exit(1)


def backup(
    out: Annotated[Path, typer.Argument(help="A new or empty directory.")],
    data_dir: DataDir = DEFAULT_DATA,
    files: Annotated[
        bool, typer.Option(help="Copy the evidence files too (--no-files: the list only).")
    ] = True,
) -> None:
    """Write a consistent backup: the database and the list (and copies) of the evidence files.

    Example:
        dkst backup /srv/backups/dkst-$(date +%F) --data-dir data
    """
    from server.blobs import blob_store
    from server.services.backup import backup as run

    settings = _settings(data_dir)
    try:
        manifest = run(settings, blob_store(settings), out, files=files)
    except RuntimeError as exc:
        _fail(str(exc))
        return
    f = manifest["files"]
    typer.echo(f"backup in {out}: {manifest['database']['file']}, {f['count']} files")


def restore(
    folder: Annotated[Path, typer.Argument(help="A directory `dkst backup` wrote.")],
    data_dir: DataDir = DEFAULT_DATA,
) -> None:
    """Rebuild a fresh server (an empty database) from a backup, and verify every file.

    Example:
        dkst restore /srv/backups/dkst-2026-12-07 --data-dir /srv/dkst-new
    """
    from server.blobs import blob_store
    from server.services.backup import restore as run

    settings = _settings(data_dir)
    try:
        report = run(settings, blob_store(settings), folder)
    except RuntimeError as exc:
        _fail(str(exc))
        return
    _engine(data_dir).dispose()  # the schema brought up to this version, as `dkst migrate`
    for sha in report.missing:
        typer.echo(f"missing {sha}")
    for sha in report.corrupt:
        typer.echo(f"corrupt {sha}")
    typer.echo(
        f"restored: {report.files} files listed, {report.copied} copied, "
        f"{len(report.missing)} missing, {len(report.corrupt)} corrupt"
    )
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(storage_app, name="storage")
    app.command("backup")(backup)
    app.command("restore")(restore)
