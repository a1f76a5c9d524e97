"""Adding to a table of counts (``unit_tallies``, ``period_tallies``): an upsert that adds ``n``.

Two pushes may add to the same row at once: ``INSERT … ON CONFLICT DO UPDATE SET n = n + …``
needs no read first, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["add_counts"]

_CHUNK = 500


def add_counts(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Add each row's ``n`` to the row of ``table`` with the same primary key (made at 0)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={"n": table.c.n + stmt.excluded.n},
    )
    # One order for every writer, so that two pushes never wait on each other's rows in turn.
    ordered = sorted(rows, key=lambda r: tuple(r[c.name] for c in table.primary_key.columns))
    for i in range(0, len(ordered), _CHUNK):
        conn.execute(stmt, ordered[i : i + _CHUNK])
