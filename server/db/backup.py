"""A consistent copy of the database, and putting one back (``dkst backup`` / ``dkst restore``).

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the file page by page while
the server keeps running, and the copy is one consistent state. PostgreSQL: ``pg_dump`` in its
custom format (one snapshot of the whole database), put back with ``pg_restore`` into an empty
database. The connection's parts reach the tools as ``PG*`` variables, never on the command line,
where ``ps`` would show a password.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from server.db.engine import make_engine

__all__ = ["dump", "is_empty", "load", "sqlite_path"]

SQLITE_FILE, PG_FILE = "dkst.sqlite", "dkst.pgdump"


def sqlite_path(db_url: str) -> Path | None:
    """The file of a SQLite URL; None for another database."""
    url = make_url(db_url)
    return Path(url.database or "") if url.get_backend_name() == "sqlite" else None


def _pg_tool(name: str) -> str:
    """The newest ``pg_dump``/``pg_restore`` installed (Debian keeps one per major version)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major, reverse=True)
    tool = found[0] if found else shutil.which(name)
    if tool is None:
        raise RuntimeError(f"{name} not found: apt-get install postgresql-client")
    return tool


def _major(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except ValueError:
        return 0


def _pg_env(db_url: str) -> dict[str, str]:
    url = make_url(db_url)
    env = dict(os.environ)
    parts = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    env.update({k: str(v) for k, v in parts.items() if v})
    return env


def dump(db_url: str, out_dir: Path) -> Path:
    """A consistent copy of the database in ``out_dir``; its path."""
    source = sqlite_path(db_url)
    if source is not None:
        target = out_dir / SQLITE_FILE
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return target
    target = out_dir / PG_FILE
    subprocess.run(
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target)],
        env=_pg_env(db_url),
        check=True,
        capture_output=True,
    )
    return target


def is_empty(db_url: str) -> bool:
    """No table in the database (or no SQLite file yet): a restore may go there."""
    path = sqlite_path(db_url)
    if path is not None and not path.exists():
        return True
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def load(db_url: str, copy: Path) -> None:
    """Put ``copy`` (a file :func:`dump` wrote) into the empty database at ``db_url``."""
    if not is_empty(db_url):
        raise RuntimeError("the database to restore into is not empty")
    target = sqlite_path(db_url)
    if target is not None:
        if copy.name != SQLITE_FILE:
            raise RuntimeError(f"{copy.name} is not a SQLite backup")
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(copy) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return
    if copy.name != PG_FILE:
        raise RuntimeError(f"{copy.name} is not a PostgreSQL backup")
    env = _pg_env(db_url)
    subprocess.run(
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            env.get("PGDATABASE", ""),
            str(copy),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
