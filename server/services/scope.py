"""The unit a report or export is asked for, checked against the caller's scope, and its subtree."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Row, select

from server.db.schema import records, unit_closure, units
from server.errors import ApiError
from server.services.auth import Principal
from shared_schema.errors import ErrorCode


def unit_in_scope(conn: Connection, who: Principal, code: str | None) -> dict[str, Any]:
    """``{"code", "name", "level", "parent"}`` of a unit in the caller's subtree.

    Missing ``unit`` → ``invalid_request``; unknown or outside the subtree (a parent of the
    caller's own unit included) → ``not_found``, so nothing leaks about other units.
    """
    if code is None or code == "":
        raise ApiError(ErrorCode.INVALID_REQUEST, {"parameter": "unit"})
    if code not in who.scope:
        raise ApiError(ErrorCode.NOT_FOUND)
    row = conn.execute(
        select(units.c.code, units.c.name, units.c.level, units.c.parent).where(
            units.c.code == code
        )
    ).first()
    if row is None:
        raise ApiError(ErrorCode.NOT_FOUND)
    return dict(row._mapping)


def subtree(conn: Connection, code: str) -> list[str]:
    """Every unit code under ``code``, itself included."""
    q = select(unit_closure.c.descendant).where(unit_closure.c.ancestor == code)
    return list(conn.execute(q).scalars())


def children(conn: Connection, code: str) -> list[dict[str, Any]]:
    q = (
        select(units.c.code, units.c.name, units.c.level)
        .where(units.c.parent == code)
        .order_by(units.c.code)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def iter_records(
    conn: Connection,
    unit_codes: Iterable[str],
    entities: Iterable[str],
    *,
    include_deleted: bool = False,
    batch: int = 500,
) -> Iterator[Row[Any]]:
    """Records of ``entities`` whose unit is one of ``unit_codes``, streamed in record_id order.

    Rows carry ``entity, record_id, rev, unit, fields (JSON text), deleted, updated_at``. The
    result is fetched ``batch`` rows at a time (a server-side cursor on PostgreSQL), so memory
    stays flat however many records there are.
    """
    codes = list(unit_codes)
    q = select(
        records.c.entity,
        records.c.record_id,
        records.c.rev,
        records.c.unit,
        records.c.fields,
        records.c.deleted,
        records.c.updated_at,
    ).where(records.c.unit.in_(codes), records.c.entity.in_(list(entities)))
    if not include_deleted:
        q = q.where(records.c.deleted.is_(False))
    q = q.order_by(records.c.entity, records.c.record_id)
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(q)
    yield from result  # type: ignore[misc]
