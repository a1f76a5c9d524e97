"""Run Alembic migrations programmatically; the server migrates itself on start."""

from __future__ import annotations

import secrets
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, delete, insert, select, text

from server.db.engine import write_tx
from server.db.schema import server_meta
from server.store import facts
from server.store import records as records_store

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
MIGRATION_LOCK = 0x444B5355


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema; safe when several processes start at once."""
    cfg = alembic_config(str(engine.url))
    with write_tx(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        _ensure_secret(conn)
        _ensure_facts_seq(conn)
        _rebuild_facts_if_asked(conn)


def _rebuild_facts_if_asked(conn: Connection) -> None:
    """The report facts are derived from the records; a revision that changes what they hold asks
    for a rebuild (``facts_rebuild`` in ``server_meta``), done here once the schema is whole."""
    flag = server_meta.c.key == "facts_rebuild"
    if conn.execute(select(server_meta.c.value).where(flag)).first() is None:
        return
    facts.rebuild(conn)
    conn.execute(delete(server_meta).where(flag))


def _ensure_facts_seq(conn: Connection) -> None:
    """Where the report facts' catch-up starts (issue 22). A database without the mark was
    written by a server that applied the facts inside each push: they are whole up to its last
    record write."""
    if conn.execute(
        select(server_meta.c.value).where(server_meta.c.key == facts.FACTS_SEQ)
    ).first():
        return
    facts.set_applied_seq(conn, records_store.last_seq(conn))


def _ensure_secret(conn: Connection) -> None:
    # Signs pull cursors; kept in the database so that every API process shares it.
    if conn.execute(select(server_meta.c.value).where(server_meta.c.key == "cursor_key")).first():
        return
    conn.execute(insert(server_meta).values(key="cursor_key", value=secrets.token_hex(32)))
