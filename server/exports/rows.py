"""The rows an export reads: one snapshot, and the filtered records of one entity, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Row

from server import store
from server.exports.columns import NAMED_ENTITIES, VISIT_MODEL
from server.exports.filters import Links, keep
from server.exports.query import PreparedExport

__all__ = ["records", "snapshot"]


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction for the whole export (``REPEATABLE READ`` on PostgreSQL), so the
    summary sheet's counts match the sheets and a file is never half of two states."""
    conn = engine.connect()
    try:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn
    finally:
        conn.close()


def records(
    conn: Connection,
    prepared: PreparedExport,
    entity: str,
    found: Links | None,
    names: dict[str, str] | None = None,
) -> Iterator[tuple[Row[Any], dict[str, Any]]]:
    """``(row, fields)`` of the entity's records in the export's subtree that pass its filters.

    ``names``: when given, every residential area's and model's name read is added to it (filtered
    out or not), and every visit's model (``VISIT_MODEL``), so the entities after them can name
    what they reference; residential areas come before models, and models before visits and
    evidence, in ``ENTITIES``.
    """
    q = prepared.query
    rows = store.records.stream_under(
        conn, prepared.unit_code, [entity], include_deleted=q.include_deleted
    )
    sink = names if entity in NAMED_ENTITIES else None
    for row in rows:
        fields = orjson.loads(row.fields)
        if not isinstance(fields, dict):
            fields = {}
        if sink is not None and isinstance(name := fields.get("name"), str):
            sink[row.record_id] = name
        if (
            names is not None
            and entity == "visit"
            and isinstance(model := fields.get("model"), str)
        ):
            names[VISIT_MODEL + row.record_id] = model
        if keep(q, found, row, fields, prepared.period):
            yield row, fields
