"""Push and pull: ``changes`` (the append-only log), ``records`` writes, ``conflicts``,
``evidence_files`` writes, and the cursor key in ``server_meta``."""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Connection, Row, Table, bindparam, delete, func, insert, select, update

from server.db.schema import (
    changes,
    conflicts,
    evidence_files,
    records,
    server_meta,
    unit_closure,
    units,
)
from server.store.driver import chunks, executemany


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


def applied_outcomes(
    conn: Connection, user_id: int, change_ids: Iterable[str]
) -> dict[str, tuple[str, int, list[str], str]]:
    """change_id → (content hash, rev, conflicts, status) of this user's applied changes."""
    out: dict[str, tuple[str, int, list[str], str]] = {}
    q = select(
        changes.c.change_id,
        changes.c.content_hash,
        changes.c.rev,
        changes.c.conflicts,
        changes.c.status,
    ).where(changes.c.user_id == user_id)
    for part in chunks(list(change_ids)):
        for r in conn.execute(q.where(changes.c.change_id.in_(part))):
            out[r.change_id] = (r.content_hash, r.rev, orjson.loads(r.conflicts), r.status)
    return out


def records_by_id(conn: Connection, record_ids: Iterable[str]) -> list[Row[Any]]:
    rows: list[Row[Any]] = []
    for part in chunks(list(record_ids)):
        rows.extend(conn.execute(select(records).where(records.c.record_id.in_(part))))
    return rows


def entity_units(conn: Connection, record_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """``record_id → (entity, unit)`` of the records among ``record_ids`` that exist."""
    out: dict[str, tuple[str, str | None]] = {}
    for part in chunks(list(record_ids)):
        q = select(records.c.record_id, records.c.entity, records.c.unit).where(
            records.c.record_id.in_(part)
        )
        out.update({r.record_id: (r.entity, r.unit) for r in conn.execute(q)})
    return out


def next_seq(conn: Connection) -> int:
    """The next change number; call with the change-log lock held."""
    return int(conn.execute(select(func.max(changes.c.seq))).scalar() or 0) + 1


def unit_levels(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    q = select(units.c.code, units.c.level).where(units.c.code.in_(list(codes)))
    return {r.code: r.level for r in conn.execute(q)}


def write_push(
    conn: Connection,
    change_rows: list[dict[str, Any]],
    conflict_rows: list[dict[str, Any]],
    new_records: list[dict[str, Any]],
    changed_records: list[dict[str, Any]],
) -> None:
    insert_rows(conn, changes, change_rows)
    if conflict_rows:
        conn.execute(insert(conflicts), conflict_rows)
    insert_rows(conn, records, new_records)
    if changed_records:
        stmt = (
            update(records)
            .where(records.c.record_id == bindparam("b_record_id"))
            .values(
                rev=bindparam("rev"),
                fields=bindparam("fields"),
                meta=bindparam("meta"),
                deleted=bindparam("deleted"),
                deleted_hlc=bindparam("deleted_hlc"),
                updated_at=bindparam("updated_at"),
                seq=bindparam("seq"),
            )
        )
        conn.execute(stmt, [{**r, "b_record_id": r["record_id"]} for r in changed_records])


def set_evidence_file(
    conn: Connection, record_id: str, sha256: str | None, unit: str | None
) -> None:
    """The file an evidence record names now (None: none, or the record is deleted)."""
    conn.execute(delete(evidence_files).where(evidence_files.c.record_id == record_id))
    if sha256 is not None:
        conn.execute(insert(evidence_files).values(record_id=record_id, sha256=sha256, unit=unit))


def cursor_key(conn: Connection) -> str:
    q = select(server_meta.c.value).where(server_meta.c.key == "cursor_key")
    return str(conn.execute(q).scalar_one())


def pull_page(conn: Connection, units_: Iterable[str], *, after: int, limit: int) -> list[Row[Any]]:
    """Up to ``limit`` records under ``units_`` changed after ``after``, in commit order."""
    scope_q = select(unit_closure.c.descendant).where(unit_closure.c.ancestor.in_(list(units_)))
    q = (
        select(
            records.c.entity,
            records.c.record_id,
            records.c.rev,
            records.c.fields,
            records.c.deleted,
            records.c.updated_at,
            records.c.seq,
        )
        .where(records.c.seq > after, records.c.unit.in_(scope_q))
        .order_by(records.c.seq)
        .limit(limit)
    )
    return list(conn.execute(q))
