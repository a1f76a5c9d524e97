"""Adding to a table of counts (``unit_tallies``, ``period_tallies``): an upsert that adds ``n``.

Two pushes may add to the same row at once: ``INSERT … ON CONFLICT DO UPDATE SET n = n + …``
needs no read first, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from server.store.driver import chunks, executemany

__all__ = ["add_counts"]


def _upsert(table: Table, dialect: Any) -> Any:
    stmt = dialect.insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(table.primary_key.columns),
        set_={"n": table.c.n + stmt.excluded.n},
    )


def add_counts(conn: Connection, table: Table, delta: Mapping[Any, int]) -> None:
    """Add each ``n`` of ``delta`` to the row of ``table`` whose primary key (in the table's
    primary-key order) is its key, made at 0; zeros are left out."""
    # One order for every writer, so that two pushes never wait on each other's rows in turn.
    rows = sorted((*k, n) for k, n in delta.items() if n)
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    keys = [*(c.name for c in table.primary_key.columns), "n"]
    for part in chunks(rows):
        executemany(conn, ("add_counts", table.name), lambda: _upsert(table, dialect), keys, part)
