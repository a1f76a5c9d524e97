"""``records``: streams of a subtree's records for exports and reports, and the demo's lookups.

Planned here (issue 7, the lead): push and pull's statements on ``records``, ``changes``,
``conflicts``, ``evidence_files`` and ``server_meta``, now in ``server/services/push.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, Row, select

from server.db.schema import records, unit_closure

# What a reader of whole records gets: the row attributes exports and pages read.
ROW_COLUMNS = (
    records.c.entity,
    records.c.record_id,
    records.c.rev,
    records.c.unit,
    records.c.fields,
    records.c.deleted,
    records.c.updated_at,
)


def stream_under(
    conn: Connection,
    unit: str,
    entities: Iterable[str],
    *,
    include_deleted: bool = False,
    batch: int = 500,
) -> Iterator[Row[Any]]:
    """Records of ``entities`` in ``unit``'s subtree, streamed in (entity, record_id) order.

    Rows carry ``entity, record_id, rev, unit, fields (JSON text), deleted, updated_at``. The
    subtree is a join on the closure table, not a list of codes bound as parameters; the result is
    fetched ``batch`` rows at a time (a server-side cursor on PostgreSQL), so memory stays flat
    however many records there are.
    """
    q = (
        select(*ROW_COLUMNS)
        .join(unit_closure, unit_closure.c.descendant == records.c.unit)
        .where(unit_closure.c.ancestor == unit, records.c.entity.in_(list(entities)))
    )
    if not include_deleted:
        q = q.where(records.c.deleted.is_(False))
    q = q.order_by(records.c.entity, records.c.record_id)
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(q)
    yield from result  # type: ignore[misc]


def existing_ids(conn: Connection, record_ids: Iterable[str]) -> set[str]:
    """Which of ``record_ids`` the server holds (a few: the demo's fixed ids)."""
    q = select(records.c.record_id).where(records.c.record_id.in_(list(record_ids)))
    return set(conn.execute(q).scalars())
