"""The ``outbox`` table: changes saved on the device, in save order, and the server's answers.

Raw SQL: one row is inserted in every save and every pushed batch updates each of its rows with
that row's own result; these are single-key statements where sqlite-utils' ``insert``/``update``
cost ten times as much per call (see ``db.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mobile.core.store.db import Store

__all__ = [
    "conflict_count",
    "counts_by_state",
    "has_changes",
    "insert",
    "mark_rejected",
    "mark_sent",
    "note_attempt",
    "pending",
    "pending_count",
    "pending_edit",
    "rejected",
    "restamp",
    "restamp_candidates",
    "supersede_rejected",
    "visible",
]


def insert(
    store: Store,
    *,
    change_id: str,
    entity: str,
    record_id: str,
    op: str,
    base_rev: int | None,
    hlc: str,
    fields: str,
    now: str,
) -> None:
    store.conn.execute(
        "INSERT INTO outbox(change_id, entity, record_id, op, base_rev, hlc, fields, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (change_id, entity, record_id, op, base_rev, hlc, fields, now),
    )


def has_changes(store: Store, record_id: str) -> bool:
    sql = "SELECT 1 FROM outbox WHERE record_id = ? LIMIT 1"
    return store.conn.execute(sql, (record_id,)).fetchone() is not None


def visible(store: Store, record_id: str, rev: int) -> list[tuple[Any, ...]]:
    """``(op, fields, state, result_rev, errors, conflicts, change_id)`` of the changes not yet
    in the server state at ``rev``: pending, rejected, or sent with a result above it."""
    return store.conn.execute(
        "SELECT op, fields, state, result_rev, errors, conflicts, change_id FROM outbox "
        "WHERE record_id = ? "
        "AND (state IN ('pending', 'rejected') OR (state = 'sent' AND result_rev > ?)) "
        "ORDER BY seq",
        (record_id, rev),
    ).fetchall()


def supersede_rejected(store: Store, record_id: str) -> int:
    """The record's rejected changes are folded into a newer one or given up; how many."""
    return store.conn.execute(
        "UPDATE outbox SET state = 'superseded' WHERE record_id = ? AND state = 'rejected'",
        (record_id,),
    ).rowcount


def pending(store: Store, limit: int, after: int = 0) -> list[tuple[Any, ...]]:
    """``(seq, change_id, entity, record_id, op, base_rev, hlc, fields)``, oldest first, of the
    pending rows saved after ``seq`` ``after`` (a push sweeping the outbox while a batch is out)."""
    return store.conn.execute(
        "SELECT seq, change_id, entity, record_id, op, base_rev, hlc, fields FROM outbox "
        "WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT ?",
        (after, limit),
    ).fetchall()


def pending_edit(store: Store) -> bool:
    """Whether a pending upsert edits a record the server already has (its ``base_rev`` set)."""
    sql = (
        "SELECT 1 FROM outbox WHERE state = 'pending' AND op = 'upsert' "
        "AND base_rev IS NOT NULL LIMIT 1"
    )
    return store.conn.execute(sql).fetchone() is not None


def pending_count(store: Store) -> int:
    return store.db.table("outbox").count_where("state = 'pending'")


def note_attempt(store: Store, seqs: Sequence[int], now: str) -> None:
    store.conn.executemany(
        "UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE seq = ?",
        [(now, s) for s in seqs],
    )


def mark_sent(store: Store, rows: Sequence[tuple[str, int | None, str, int]], now: str) -> None:
    """Rows the server applied, as ``(status, rev, conflicts, seq)``: one statement a batch."""
    store.conn.executemany(
        "UPDATE outbox SET state = 'sent', result_status = ?, result_rev = ?, "
        "conflicts = ?, errors = NULL, sent_at = ? WHERE seq = ?",
        [(status, rev, conflicts, now, seq) for status, rev, conflicts, seq in rows],
    )


def mark_rejected(store: Store, seq: int, errors: str) -> None:
    store.conn.execute(
        "UPDATE outbox SET state = 'rejected', result_status = 'rejected', "
        "result_rev = NULL, errors = ? WHERE seq = ?",
        (errors, seq),
    )


def restamp_candidates(store: Store, seqs: Sequence[int]) -> list[tuple[int, str]]:
    """``(seq, hlc)`` of the refused rows and of every pending row saved after the first."""
    return store.conn.execute(
        "SELECT seq, hlc FROM outbox WHERE seq IN ({}) "
        # attempts = 0: a row that may already be on the server keeps its change_id.
        "OR (state = 'pending' AND attempts = 0 AND seq > ?) "
        "ORDER BY seq".format(",".join("?" * len(seqs))),
        (*seqs, min(seqs)),
    ).fetchall()


def restamp(store: Store, seq: int, *, hlc: str, change_id: str, old_hlc: str) -> None:
    store.conn.execute(
        "UPDATE outbox SET hlc = ?, change_id = ?, state = 'pending', errors = NULL, "
        "result_status = NULL, restamped_from = ? WHERE seq = ?",
        (hlc, change_id, old_hlc, seq),
    )


def counts_by_state(store: Store) -> dict[str, int]:
    return store.count_by_state("outbox")


def conflict_count(store: Store) -> int:
    return store.db.table("outbox").count_where("result_status = 'conflict'")


def rejected(store: Store) -> list[dict[str, Any]]:
    return list(
        store.db.table("outbox").rows_where(
            "state = 'rejected'",
            select="change_id, entity, record_id, op, fields, errors, attempts",
            order_by="seq",
        )
    )
