"""Many rows through one statement, compiled once, by the driver's own ``executemany``.

SQLAlchemy's executemany processes every row's parameters in Python (a tenth of a push's CPU
for the change log alone); the statements a push repeats for every batch are compiled here once
per dialect and shape and handed to the driver with plain tuples (SQLite's ``?``) or mappings
(psycopg's ``%(name)s``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, insert
from sqlalchemy.sql.expression import Executable

from shared_schema.limits import SQL_IN_CHUNK

__all__ = ["chunks", "executemany", "insert_rows"]

T = TypeVar("T")


def chunks(items: Iterable[T]) -> Iterator[list[T]]:
    """``items`` in lists of ``SQL_IN_CHUNK``: the values of one ``IN (…)`` or one executemany,
    well under every backend's limit on bound parameters."""
    seq = list(items)
    for i in range(0, len(seq), SQL_IN_CHUNK):
        yield seq[i : i + SQL_IN_CHUNK]


_COMPILED: dict[tuple[str, Hashable], tuple[str, tuple[int, ...] | None]] = {}


def executemany(
    conn: Connection,
    name: Hashable,
    build: Callable[[], Executable],
    keys: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Run ``build()`` (cached under ``name``) once per row; each row a tuple of its values in
    ``keys`` order (``keys`` of one column only: still a 1-tuple)."""
    if not rows:
        return
    cache_key = (conn.dialect.name, name)
    if cache_key not in _COMPILED:
        compiled = build().compile(dialect=conn.dialect, column_keys=list(keys))  # type: ignore[attr-defined]
        if compiled.positional:
            where = {k: i for i, k in enumerate(keys)}
            order: tuple[int, ...] | None = tuple(where[k] for k in compiled.positiontup or ())
        else:
            order = None
        _COMPILED[cache_key] = (compiled.string, order)
    sql, order = _COMPILED[cache_key]
    if order is None:
        conn.exec_driver_sql(sql, [dict(zip(keys, r, strict=True)) for r in rows])
    elif order == tuple(range(len(keys))):
        conn.exec_driver_sql(sql, rows)
    else:
        conn.exec_driver_sql(sql, [tuple(r[i] for i in order) for r in rows])


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows``, each naming every column of ``table``, by the driver's executemany
    (:mod:`server.store.driver`). Rows that leave a column out (its default to fill in) take
    SQLAlchemy's way.
    """
    if not rows:
        return
    keys = tuple(rows[0])
    if set(keys) != set(table.c.keys()):
        conn.execute(insert(table), rows)
        return
    # Each row's values in ``keys`` order, picked in C (itemgetter of one key gives no tuple).
    values = itemgetter(*keys) if len(keys) > 1 else lambda r: (r[keys[0]],)
    executemany(
        conn, ("insert", table.name, keys), lambda: insert(table), keys, list(map(values, rows))
    )
