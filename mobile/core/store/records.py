"""The ``records`` table (and its search index): what the officer sees of every record.

Raw SQL here, on purpose: these statements run in every save and every pulled page. A pulled page
is one ``executemany`` of an upsert that keeps the higher ``rev`` (a condition sqlite-utils'
``upsert`` cannot express), and a save reads and rewrites one row by key several times, where the
sqlite-utils equivalents cost ten times as much per call (see ``db.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mobile.core.store.db import Store
from shared_schema.limits import SQL_IN_CHUNK

__all__ = [
    "count",
    "delete",
    "draft_count",
    "get",
    "insert_new",
    "search",
    "set_draft",
    "set_view",
    "upsert_pulled",
    "with_local_layers",
]


def _dicts(cur: Any) -> list[dict[str, Any]]:
    names = [c[0] for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def get(store: Store, record_id: str) -> dict[str, Any] | None:
    rows = _dicts(store.conn.execute("SELECT * FROM records WHERE record_id = ?", (record_id,)))
    return rows[0] if rows else None


def count(store: Store, entity: str | None = None) -> int:
    if entity is None:
        return int(
            store.conn.execute("SELECT count(*) FROM records WHERE deleted = 0").fetchone()[0]
        )
    sql = "SELECT count(*) FROM records WHERE entity = ? AND deleted = 0"
    return int(store.conn.execute(sql, (entity,)).fetchone()[0])


def draft_count(store: Store) -> int:
    return store.db.table("records").count_where("draft_fields IS NOT NULL")


def search(
    store: Store,
    *,
    entity: str | None,
    words: Sequence[str],
    include_deleted: bool,
    limit: int,
    offset: int,
    fields_equal: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Rows by title whose search key holds every word (already search keys themselves), and
    whose fields have the values of ``fields_equal`` (names checked by the caller)."""
    where: list[str] = []
    params: list[Any] = []
    if entity is not None:
        where.append("r.entity = ?")
        params.append(entity)
    for name, value in (fields_equal or {}).items():
        where.append(f"json_extract(r.fields, '$.{name}') = ?")
        params.append(value)
    if not include_deleted:
        where.append("r.deleted = 0")
    trigrams = dict.fromkeys(w[i : i + 3] for w in words for i in range(len(w) - 2))
    join = ""
    if trigrams and store.has_fts():
        # The trigram index has no positions (migration 4): it narrows to the rows holding every
        # trigram of every word, and the LIKE below is the exact test.
        join = "JOIN records_fts f ON f.rowid = r.rowid"
        where.append("records_fts MATCH ?")
        params.append(" AND ".join('"' + t.replace('"', '""') + '"' for t in trigrams))
    for w in words:
        where.append("r.search LIKE ? ESCAPE '\\'")
        params.append("%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    sql = f"SELECT r.* FROM records r {join}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY r.title, r.record_id LIMIT ? OFFSET ?"
    params += [limit, offset]
    return _dicts(store.conn.execute(sql, params))


def insert_new(
    store: Store,
    *,
    record_id: str,
    entity: str,
    unit: str,
    form_id: str,
    form_version: int,
    draft_fields: str,
    fields: str,
    title: str,
    search_key: str,
    now: str,
) -> None:
    """A record made on this device (rev 0: the server has never seen it)."""
    cur = store.conn.execute(
        "INSERT INTO records(record_id, entity, unit, form_id, form_version, rev, "
        "draft_fields, fields, title, search, local_updated_at) "
        "VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
        (
            record_id,
            entity,
            unit,
            form_id,
            form_version,
            draft_fields,
            fields,
            title,
            search_key,
            now,
        ),
    )
    if store.has_fts():  # indexed here, not by a trigger (migration 4)
        store.conn.execute(
            "INSERT INTO records_fts(rowid, search) VALUES (?, ?)", (cur.lastrowid, search_key)
        )


def set_draft(store: Store, record_id: str, draft_fields: str | None) -> None:
    store.conn.execute(
        "UPDATE records SET draft_fields = ? WHERE record_id = ?", (draft_fields, record_id)
    )


def set_view(
    store: Store,
    record_id: str,
    *,
    fields: str,
    deleted: bool,
    title: str,
    search_key: str,
    unit: str | None,
    now: str,
) -> None:
    """The officer's view recomputed from its layers (a unit once set never changes)."""
    store.conn.execute(
        "UPDATE records SET fields = ?, deleted = ?, title = ?, search = ?, "
        "unit = coalesce(unit, ?), local_updated_at = ? WHERE record_id = ?",
        (fields, int(deleted), title, search_key, unit, now, record_id),
    )


def delete(store: Store, record_id: str) -> None:
    store.conn.execute("DELETE FROM records WHERE record_id = ?", (record_id,))


def with_local_layers(store: Store, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` have outbox changes that may not be on the server yet, or a draft."""
    out: set[str] = set()
    for i in range(0, len(ids), SQL_IN_CHUNK):
        chunk = list(ids[i : i + SQL_IN_CHUNK])
        marks = ",".join("?" * len(chunk))
        for sql in (
            f"SELECT DISTINCT record_id FROM outbox WHERE record_id IN ({marks}) "
            "AND state IN ('pending', 'rejected', 'sent')",
            f"SELECT record_id FROM records WHERE record_id IN ({marks}) "
            "AND draft_fields IS NOT NULL",
        ):
            out.update(r[0] for r in store.conn.execute(sql, chunk))
    return out


# A pulled state older than what we hold (a page re-read after a cut) must not win.
_UPSERT_PULLED = (
    "INSERT INTO records(record_id, entity, unit, form_id, form_version, rev, "
    "server_fields, server_deleted, updated_at, fields, deleted, title, search, "
    "local_updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT(record_id) DO UPDATE SET entity = excluded.entity, "
    "unit = coalesce(excluded.unit, records.unit), form_id = excluded.form_id, "
    "form_version = excluded.form_version, rev = excluded.rev, "
    "server_fields = excluded.server_fields, server_deleted = excluded.server_deleted, "
    "updated_at = excluded.updated_at, fields = excluded.fields, "
    "deleted = excluded.deleted, title = excluded.title, search = excluded.search, "
    "local_updated_at = excluded.local_updated_at "
    "WHERE excluded.rev >= records.rev"
)


def upsert_pulled(store: Store, rows: Iterable[tuple[Any, ...]]) -> None:
    """Pulled records as ``(record_id, entity, unit, form_id, form_version, rev, server_fields,
    server_deleted, updated_at, fields, deleted, title, search, local_updated_at)``.

    Rows already held are re-indexed by the update trigger; new rows (rowids above the largest
    before the page: SQLite gives a new row max(rowid) + 1) are indexed in one statement after
    it, which costs half as much as a trigger row by row (migration 4).
    """
    before = store.conn.execute("SELECT coalesce(max(rowid), 0) FROM records").fetchone()[0]
    store.conn.executemany(_UPSERT_PULLED, rows)
    if store.has_fts():
        store.conn.execute(
            "INSERT INTO records_fts(rowid, search) SELECT rowid, search FROM records "
            "WHERE rowid > ?",
            (before,),
        )
