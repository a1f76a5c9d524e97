"""``attachments``, ``attachment_uploads``, ``attachment_uploaders`` and reads of ``evidence_files``.

The rules these serve (who sees a file, offsets, storing once) are in
:mod:`server.services.attachments`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, Table, and_, delete, exists, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.db.schema import (
    attachment_uploaders,
    attachment_uploads,
    attachments,
    evidence_files,
    plans,
    unit_closure,
)
from server.store.driver import chunks
from server.store.plans import visible as plan_visible

# Hashes bound in one statement (SQLite allows 32,766 parameters; stay far below).


def _insert_ignore(conn: Connection, table: Table, values: dict[str, Any]) -> None:
    """INSERT that does nothing when the primary key exists (also against a concurrent insert)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


# ---------------------------------------------------------------------------- complete files
def complete(conn: Connection, sha256: str) -> Row[Any] | None:
    """The complete file's row (``sha256, media_type, size, created_at, completed_at``), or None."""
    return conn.execute(select(attachments).where(attachments.c.sha256 == sha256)).first()


def add_complete(
    conn: Connection, sha256: str, *, media_type: str, size: int, created_at: str, completed_at: str
) -> None:
    _insert_ignore(
        conn,
        attachments,
        {
            "sha256": sha256,
            "media_type": media_type,
            "size": size,
            "created_at": created_at,
            "completed_at": completed_at,
        },
    )


def complete_among(conn: Connection, hashes: Iterable[str]) -> set[str]:
    """Which of ``hashes`` are complete files."""
    found: set[str] = set()
    for part in chunks(sorted({h for h in hashes if h})):
        q = select(attachments.c.sha256).where(attachments.c.sha256.in_(part))
        found.update(conn.execute(q).scalars())
    return found


def stored_files(conn: Connection, hashes: Iterable[str]) -> dict[str, tuple[str, int]]:
    """``sha256 → (media type, size)`` of those of ``hashes`` that are complete files."""
    out: dict[str, tuple[str, int]] = {}
    for part in chunks(sorted(hashes)):
        q = select(attachments.c.sha256, attachments.c.media_type, attachments.c.size).where(
            attachments.c.sha256.in_(part)
        )
        out.update({r.sha256: (r.media_type, int(r.size)) for r in conn.execute(q)})
    return out


# ---------------------------------------------------------------------------- who may see one
def add_uploader(conn: Connection, sha256: str, user_id: int, *, started_at: str) -> None:
    _insert_ignore(
        conn,
        attachment_uploaders,
        {"sha256": sha256, "user_id": user_id, "started_at": started_at},
    )


def visible(conn: Connection, sha256: str, *, user_id: int, roots: Sequence[str]) -> bool:
    """The user uploaded the file, or a live evidence record under ``roots`` names it, or a plan
    the caller may see names it as its document.

    ``roots`` are the caller's own units; the subtree is joined in SQL, never bound as a list.
    """
    mine = exists().where(
        attachment_uploaders.c.sha256 == sha256, attachment_uploaders.c.user_id == user_id
    )
    named = exists().where(
        evidence_files.c.sha256 == sha256,
        and_(
            unit_closure.c.descendant == evidence_files.c.unit,
            unit_closure.c.ancestor.in_(list(roots)),
        ),
    )
    # A plan's document (issue 20) is visible wherever the plan is.
    plan_doc = exists().where(plans.c.document_sha256 == sha256, plan_visible(roots))
    return bool(conn.execute(select(mine | named | plan_doc)).scalar())


# ---------------------------------------------------------------------------- uploads in progress
def _mine(sha256: str, user_id: int) -> Any:
    return (attachment_uploads.c.sha256 == sha256) & (attachment_uploads.c.user_id == user_id)


def upload(conn: Connection, sha256: str, user_id: int, *, lock: bool = False) -> Row[Any] | None:
    """The user's upload in progress (``media_type, size, received, started_at``), or None.

    ``lock``: hold the row until the transaction ends (``FOR UPDATE`` on PostgreSQL; SQLite's
    write transaction is ``BEGIN IMMEDIATE`` already).
    """
    q = select(attachment_uploads).where(_mine(sha256, user_id))
    if lock:
        q = q.with_for_update()
    return conn.execute(q).first()


def start_upload(
    conn: Connection, sha256: str, user_id: int, *, media_type: str, total: int, started_at: str
) -> None:
    """Record a new upload at offset 0; nothing when the user has one for this hash already."""
    _insert_ignore(
        conn,
        attachment_uploads,
        {
            "sha256": sha256,
            "user_id": user_id,
            "media_type": media_type,
            "size": total,
            "received": 0,
            "started_at": started_at,
        },
    )


def advance_upload(
    conn: Connection, sha256: str, user_id: int, *, received: int, media_type: str | None = None
) -> None:
    values: dict[str, Any] = {"received": received}
    if media_type:
        values["media_type"] = media_type
    conn.execute(update(attachment_uploads).where(_mine(sha256, user_id)).values(**values))


def drop_upload(conn: Connection, sha256: str, user_id: int) -> None:
    conn.execute(delete(attachment_uploads).where(_mine(sha256, user_id)))


def set_evidence_file(
    conn: Connection, record_id: str, sha256: str | None, unit: str | None
) -> None:
    """The file an evidence record names now (None: none, or the record is deleted)."""
    conn.execute(delete(evidence_files).where(evidence_files.c.record_id == record_id))
    if sha256 is not None:
        conn.execute(insert(evidence_files).values(record_id=record_id, sha256=sha256, unit=unit))


def complete_page(conn: Connection, *, after: str = "", limit: int = 1000) -> list[tuple[str, int]]:
    """``(sha256, size)`` of up to ``limit`` complete files whose hash sorts after ``after``."""
    q = (
        select(attachments.c.sha256, attachments.c.size)
        .where(attachments.c.sha256 > after)
        .order_by(attachments.c.sha256)
        .limit(limit)
    )
    return [(r.sha256, int(r.size)) for r in conn.execute(q)]
