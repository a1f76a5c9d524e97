"""``records.csv.zip``: one ``<entity>.csv`` per entity and ``columns.csv``, the data dictionary.

CSV headers are the field names by default (``headers=keys``): stable across languages and form
versions, so a saved pivot or join keeps working; ``columns.csv`` gives every column's label in the
export's language. ``headers=labels`` puts those labels in the header row instead, and names the
referenced residential area or model beside its id.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine
from stream_zip import MemberFile

from server import store
from server.exports.columns import cell, entity_columns
from server.exports.filters import links
from server.exports.query import PreparedExport
from server.exports.rows import records, snapshot
from server.exports.zips import archive, csv_member
from shared_schema.entities import ENTITIES


def csv_zip(engine: Engine, prepared: PreparedExport) -> Iterator[bytes]:
    with snapshot(engine) as conn:
        yield from archive(_members(conn, prepared))


def _members(conn: Connection, prepared: PreparedExport) -> Iterator[MemberFile]:
    q = prepared.query
    forms = prepared.form_set
    names = store.units.names_under(conn, prepared.unit_code)
    found = links(conn, prepared)
    dictionary: list[list[Any]] = []
    for entity in ENTITIES:
        cols = entity_columns(
            entity,
            include_deleted=q.include_deleted,
            forms=forms,
            names_beside=q.labels,
            tree=prepared.tree,
        )
        dictionary += [[entity, c.key, c.label(q.lang), c.type] for c in cols]
        rows = (
            [cell(c, row, fields, q.lang, names) for c in cols]
            for row, fields in records(conn, prepared, entity, found, names if q.labels else None)
        )
        header = [c.label(q.lang) if q.labels else c.key for c in cols]
        yield csv_member(f"{entity}.csv", header, rows)
    yield csv_member("columns.csv", ["entity", "column", "label", "type"], dictionary)
