"""Review queues (issue 18): a reviewer's backlog by state, and the next record to decide.

Four queues under a unit: records waiting for review (``pending``, or no state at all), records an
officer corrected after a return (``resubmitted``), records returned and not yet corrected
(``returned``), and records with an open conflict (``conflicts``). Each is newest change first, as
the records list; after a decision the reviewer lands on the next record of the same queue.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row

from server import store
from server.errors import ServerError
from server.services.auth import Principal
from server.services.units import unit_in_scope
from shared_schema.errors import ErrorCode

__all__ = ["QUEUES", "counts", "next_record", "page"]

QUEUES = ("pending", "resubmitted", "returned", "conflicts")


def _check(conn: Connection, who: Principal, queue: str, unit: str) -> None:
    if queue not in QUEUES:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"parameter": "queue"})
    unit_in_scope(conn, who, unit)


def counts(conn: Connection, who: Principal, unit: str) -> dict[str, int]:
    """How many records each queue under ``unit`` holds."""
    unit_in_scope(conn, who, unit)
    found = store.records.queue_counts(conn, unit)
    return {q: found.get(q, 0) for q in QUEUES}


def _page(
    conn: Connection,
    queue: str,
    unit: str,
    *,
    entity: str | None = None,
    before_seq: int | None = None,
    exclude: str | None = None,
    limit: int,
) -> list[Row[Any]]:
    if queue == "conflicts":
        return store.records.conflicted_page(
            conn, unit=unit, before_seq=before_seq, exclude=exclude, limit=limit
        )
    return store.records.queue_page(
        conn,
        unit=unit,
        state=queue,
        entities=[entity] if entity else None,
        before_seq=before_seq,
        exclude=exclude,
        limit=limit,
    )


def page(
    conn: Connection,
    who: Principal,
    queue: str,
    unit: str,
    *,
    entity: str | None = None,
    before_seq: int | None = None,
    limit: int = 50,
) -> tuple[list[Row[Any]], int | None]:
    """A page of a queue and the keyset cursor of the next one (None at the end)."""
    _check(conn, who, queue, unit)
    rows = _page(conn, queue, unit, entity=entity, before_seq=before_seq, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].seq if more and rows else None)


def next_record(
    conn: Connection,
    who: Principal,
    queue: str,
    unit: str,
    *,
    current: str | None = None,
    entity: str | None = None,
) -> str | None:
    """The record to open after ``current`` in a queue: the next older one, else the newest
    (a decided record has left the queue; a skipped one is passed over); None when none is left."""
    _check(conn, who, queue, unit)
    seq = None
    if current is not None:
        row = store.records.one(conn, current)
        seq = row.seq if row is not None and who.in_scope(row.unit) else None
    if seq is not None:
        older = _page(conn, queue, unit, entity=entity, before_seq=seq, exclude=current, limit=1)
        if older:
            return str(older[0].record_id)
    newest = _page(conn, queue, unit, entity=entity, exclude=current, limit=1)
    return str(newest[0].record_id) if newest else None
