"""The ``attachments`` table: evidence files on the device and how far each upload got.

Written a few times per file, so sqlite-utils' table helpers serve throughout, except the
``attempts + 1`` increment it has no form for.
"""

from __future__ import annotations

from typing import Any

from mobile.core.store.db import Store

__all__ = ["add", "counts_by_state", "mark_done", "mark_failed", "pending", "set_uploaded"]


def add(store: Store, *, sha256: str, media_type: str, size: int, path: str, now: str) -> None:
    """Queue a stored file for upload (a file already known keeps its row and progress)."""
    store.db.table("attachments").insert(
        {"sha256": sha256, "media_type": media_type, "size": size, "path": path, "created_at": now},
        ignore=True,
    )


def pending(store: Store) -> list[dict[str, Any]]:
    """Files not yet on the server, oldest first."""
    return list(
        store.db.table("attachments").rows_where(
            "state = 'pending'",
            select="sha256, media_type, size, path, uploaded, attempts",
            order_by="created_at, rowid",
        )
    )


def set_uploaded(store: Store, sha256: str, uploaded: int) -> None:
    store.db.table("attachments").update(sha256, {"uploaded": uploaded})


def mark_done(store: Store, sha256: str, now: str) -> None:
    store.conn.execute(
        "UPDATE attachments SET state = 'done', uploaded = size, uploaded_at = ? WHERE sha256 = ?",
        (now, sha256),
    )


def mark_failed(store: Store, sha256: str, error: str) -> None:
    """A file the server will never take (type, size): not retried."""
    store.conn.execute(
        "UPDATE attachments SET state = 'failed', last_error = ?, attempts = attempts + 1 "
        "WHERE sha256 = ?",
        (error, sha256),
    )


def counts_by_state(store: Store) -> dict[str, int]:
    return store.count_by_state("attachments")
