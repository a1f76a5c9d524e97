"""The ``conflicts`` table: a field of this device's change that met another device's value
(SYNC.md "Push", status ``conflict``), with the other value and whether the officer settled it.

One row per field of a change answered ``conflict``, written in the transaction that stores the
answer; the officer's choice on the conflicts screen closes the field's open rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mobile.core.store.db import Store

__all__ = ["add", "open_for", "resolve"]


def add(store: Store, rows: Sequence[tuple[str, str, str, str | None]]) -> None:
    """``(change_id, record_id, field, other)`` with ``other`` the JSON text of the value the
    server held before the change, as this device knew it (``None``: not known here)."""
    store.conn.executemany(
        "INSERT OR IGNORE INTO conflicts(change_id, record_id, field, other) VALUES (?, ?, ?, ?)",
        rows,
    )


def open_for(store: Store, record_id: str | None = None) -> list[dict[str, Any]]:
    """The open conflicts (of one record, or all), oldest change first: ``change_id``,
    ``record_id``, ``field``, ``other``, and the change's ``fields`` (JSON text, what it sent)
    and ``result_rev``."""
    sql = (
        "SELECT c.change_id, c.record_id, c.field, c.other, o.fields, o.result_rev "
        "FROM conflicts c JOIN outbox o ON o.change_id = c.change_id "
        "WHERE c.resolved_at IS NULL"
    )
    params: tuple[Any, ...] = ()
    if record_id is not None:
        sql += " AND c.record_id = ?"
        params = (record_id,)
    cur = store.conn.execute(sql + " ORDER BY o.seq, c.field", params)
    names = [c[0] for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def resolve(store: Store, record_id: str, field: str, now: str) -> int:
    """Close every open conflict of the record's ``field``; how many."""
    return store.conn.execute(
        "UPDATE conflicts SET resolved_at = ? "
        "WHERE record_id = ? AND field = ? AND resolved_at IS NULL",
        (now, record_id, field),
    ).rowcount
