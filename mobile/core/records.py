"""Records on the device: create, edit, draft, finalize, delete, list, search, pull upserts.

What the officer sees of a record is always recomputed from three layers, in this order:

1. ``server_fields`` at ``rev``: the server's state as last pulled;
2. the record's outbox changes not yet reflected in that state (pending, rejected, or sent with a
   result rev above the pulled rev), in save order;
3. ``draft_fields``: edits saved but not finalized.

So a pull never hides an unsent edit, a rejected change stays visible with its errors until the
officer fixes or discards it, and a finalized edit sends only the fields that differ from layers
1+2 without the rejected ones (those never reached the server, so they go again).

Every save is one transaction: the record row, its outbox change and the clock value move
together or not at all.
"""

from __future__ import annotations

import builtins
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mobile.core.clock import DeviceClock
from mobile.core.forms import FormCatalog
from mobile.core.store import Store, utc_now
from shared_schema.entities import ENTITIES, SYSTEM_FIELDS
from shared_schema.merge import canonical
from shared_schema.text import nfc_deep, search_key
from shared_schema.validation import apply_defaults, validate

__all__ = [
    "Issue",
    "LocalRecord",
    "RecordNotFound",
    "Records",
    "SaveResult",
    "compose",
]

# Fields that name a record: shown as its title and searched first.
TITLE_FIELDS = ("name", "title", "caption", "full_name", "code")
_HEXISH = re.compile(r"[0-9a-fA-F-]{32,}")
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_SEARCH_MAX = 2000  # characters of searchable text kept per record


class RecordNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Issue:
    """A validation problem of one field (``code`` from ``shared_schema.errors``)."""

    field: str | None
    code: str
    message: str


@dataclass
class SaveResult:
    record_id: str
    finalized: bool
    change_id: str | None = None
    issues: list[Issue] = field(default_factory=list)


@dataclass
class LocalRecord:
    record_id: str
    entity: str
    unit: str | None
    form_id: str | None
    form_version: int | None
    rev: int
    fields: dict[str, Any]
    deleted: bool
    draft: bool
    title: str
    status: str  # draft | pending | rejected | synced
    updated_at: str | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def compose(
    server_fields: Mapping[str, Any],
    server_deleted: bool,
    changes: Iterable[tuple[str, Mapping[str, Any]]],
    draft: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], bool]:
    """The officer's view: server state, then outbox changes ``(op, fields)``, then the draft."""
    view = dict(server_fields)
    deleted = server_deleted
    for op, fields in changes:
        if op == "delete":
            deleted = True
        else:
            view.update(fields)
    if draft:
        view.update(draft)
    return view, deleted


def _searchable(view: Mapping[str, Any]) -> tuple[str, str]:
    """(title, search key) of a record's fields."""
    title = ""
    for name in TITLE_FIELDS:
        value = view.get(name)
        if isinstance(value, str) and value.strip():
            title = value.strip()
            break
    parts: list[str] = [title] if title else []
    for name, value in view.items():
        if name in SYSTEM_FIELDS or name in TITLE_FIELDS or not isinstance(value, str):
            continue
        if _HEXISH.fullmatch(value):  # record ids, hashes: noise for a person's search
            continue
        parts.append(value)
    text = " ".join(parts)[:_SEARCH_MAX]
    return title, search_key(text)


_VISIBLE_ROWS = """
    SELECT op, fields, state, result_rev, errors, conflicts, change_id FROM outbox
    WHERE record_id = ?
      AND (state IN ('pending', 'rejected') OR (state = 'sent' AND result_rev > ?))
    ORDER BY seq
"""


class Records:
    def __init__(self, store: Store, forms: FormCatalog, clock: DeviceClock) -> None:
        self.store = store
        self.forms = forms
        self.clock = clock

    # ------------------------------------------------------------------ reading
    def _row(self, record_id: str) -> dict[str, Any] | None:
        cur = self.store.conn.execute("SELECT * FROM records WHERE record_id = ?", (record_id,))
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([c[0] for c in cur.description], row, strict=True))

    def get(self, record_id: str) -> LocalRecord:
        row = self._row(record_id)
        if row is None:
            raise RecordNotFound(record_id)
        return self._to_record(row)

    def _to_record(self, row: Mapping[str, Any]) -> LocalRecord:
        outbox = self.store.conn.execute(_VISIBLE_ROWS, (row["record_id"], row["rev"])).fetchall()
        states = {o[2] for o in outbox}
        errors: builtins.list[dict[str, Any]] = []
        for o in outbox:
            if o[2] == "rejected" and o[4]:
                errors.extend(json.loads(o[4]))
        conflicts: builtins.list[str] = []
        for (c,) in self.store.conn.execute(
            "SELECT conflicts FROM outbox WHERE record_id = ? AND result_status = 'conflict'",
            (row["record_id"],),
        ):
            conflicts.extend(x for x in json.loads(c or "[]") if x not in conflicts)
        if row["draft_fields"] is not None:
            status = "draft"
        elif "rejected" in states:
            status = "rejected"
        elif states:
            status = "pending"
        else:
            status = "synced"
        return LocalRecord(
            record_id=row["record_id"],
            entity=row["entity"],
            unit=row["unit"],
            form_id=row["form_id"],
            form_version=row["form_version"],
            rev=row["rev"],
            fields=json.loads(row["fields"]),
            deleted=bool(row["deleted"]),
            draft=row["draft_fields"] is not None,
            title=row["title"],
            status=status,
            updated_at=row["updated_at"],
            errors=errors,
            conflicts=conflicts,
        )

    def list(
        self,
        entity: str | None = None,
        *,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
        include_deleted: bool = False,
        fields_equal: Mapping[str, Any] | None = None,
    ) -> builtins.list[LocalRecord]:
        """Records by title; ``search`` matches every word, diacritics and case ignored."""
        rows = self.search_rows(
            entity,
            search=search,
            limit=limit,
            offset=offset,
            include_deleted=include_deleted,
            fields_equal=fields_equal,
        )
        return [self._to_record(r) for r in rows]

    def search_rows(
        self,
        entity: str | None = None,
        *,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
        include_deleted: bool = False,
        fields_equal: Mapping[str, Any] | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """``fields_equal``: only records whose field has that value (the app's list filters)."""
        where: builtins.list[str] = []
        params: builtins.list[Any] = []
        if entity is not None:
            where.append("r.entity = ?")
            params.append(entity)
        for name, value in (fields_equal or {}).items():
            if not _FIELD_NAME.fullmatch(name):
                raise ValueError(f"not a field name: {name!r}")
            where.append(f"json_extract(r.fields, '$.{name}') = ?")
            params.append(value)
        if not include_deleted:
            where.append("r.deleted = 0")
        words = search_key(search).split() if search else []
        long_words = [w for w in words if len(w) >= 3]
        join = ""
        if long_words and self.store.has_fts():
            # Trigram FTS: each word is a quoted substring; the index narrows, LIKE below is exact.
            join = "JOIN records_fts f ON f.rowid = r.rowid"
            where.append("records_fts MATCH ?")
            params.append(" AND ".join('"' + w.replace('"', '""') + '"' for w in long_words))
        for w in words:
            where.append("r.search LIKE ? ESCAPE '\\'")
            params.append(
                "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
        sql = f"SELECT r.* FROM records r {join}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY r.title, r.record_id LIMIT ? OFFSET ?"
        params += [limit, offset]
        cur = self.store.conn.execute(sql, params)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur]

    def conflicts_of(self, record_id: str) -> builtins.list[dict[str, Any]]:
        """Fields where this device's sent value met another device's (SYNC.md ``conflict``).

        ``mine`` is what this device sent, ``current`` what the record holds now; the server
        keeps the losing value for a reviewer whichever way the merge went.
        """
        view = self.get(record_id).fields
        out = []
        for change_id, fields, conflicts in self.store.conn.execute(
            "SELECT change_id, fields, conflicts FROM outbox "
            "WHERE record_id = ? AND result_status = 'conflict' ORDER BY seq",
            (record_id,),
        ):
            sent = json.loads(fields)
            for name in json.loads(conflicts or "[]"):
                out.append(
                    {
                        "field": name,
                        "mine": sent.get(name),
                        "current": view.get(name),
                        "change_id": change_id,
                    }
                )
        return out

    def count(self, entity: str | None = None) -> int:
        if entity is None:
            return int(
                self.store.conn.execute(
                    "SELECT count(*) FROM records WHERE deleted = 0"
                ).fetchone()[0]
            )
        return int(
            self.store.conn.execute(
                "SELECT count(*) FROM records WHERE entity = ? AND deleted = 0", (entity,)
            ).fetchone()[0]
        )

    # ------------------------------------------------------------------ writing
    def _default_unit(self) -> str | None:
        user = self.store.get_state("user") or {}
        units = user.get("units") or []
        return units[0] if len(units) == 1 else None

    def create(
        self,
        entity: str,
        values: Mapping[str, Any],
        *,
        unit: str | None = None,
        form_id: str | None = None,
        form_version: int | None = None,
        finalize: bool = True,
        record_id: str | None = None,
    ) -> SaveResult:
        """Save a new record; finalized (queued for the server) when it validates.

        The answers are saved whatever happens: a record that does not validate stays a draft,
        with the issues returned, so nothing the officer typed is lost.
        """
        if entity not in ENTITIES:
            raise ValueError(f"unknown entity {entity!r}; one of {', '.join(ENTITIES)}")
        form = (
            self.forms.get(form_id, form_version)
            if form_id and form_version is not None
            else self.forms.latest(entity)
        )
        if form.entity != entity:
            raise ValueError(f"form {form.form_id} is for {form.entity}, not {entity}")
        values = dict(nfc_deep(dict(values)))
        unit = unit or values.get("unit") or self._default_unit()
        if not unit:
            raise ValueError("unit is required: this account works in several units")
        fields = dict(apply_defaults(form, values))
        fields.update({"unit": unit, "form_id": form.form_id, "form_version": form.version})
        record_id = record_id or str(uuid.uuid4())
        with self.store.transaction():
            title, key = _searchable(fields)
            self.store.conn.execute(
                "INSERT INTO records(record_id, entity, unit, form_id, form_version, rev, "
                "draft_fields, fields, title, search, local_updated_at) "
                "VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)",
                (
                    record_id,
                    entity,
                    unit,
                    form.form_id,
                    form.version,
                    _dumps(fields),
                    _dumps(fields),
                    title,
                    key,
                    utc_now(),
                ),
            )
            if finalize:
                return self._finalize(record_id)
            return SaveResult(record_id, False, None, self._issues(record_id))

    def edit(
        self, record_id: str, values: Mapping[str, Any], *, finalize: bool = True
    ) -> SaveResult:
        """Change some fields of a record (``None`` clears a field)."""
        values = dict(nfc_deep(dict(values)))
        with self.store.transaction():
            row = self._row(record_id)
            if row is None:
                raise RecordNotFound(record_id)
            if row["deleted"]:
                raise ValueError("this record is deleted")
            if "unit" in values and values["unit"] != row["unit"] and row["unit"]:
                raise ValueError("a record's unit cannot change (SYNC.md unit_immutable)")
            draft = json.loads(row["draft_fields"]) if row["draft_fields"] is not None else {}
            draft.update(values)
            self.store.conn.execute(
                "UPDATE records SET draft_fields = ? WHERE record_id = ?",
                (_dumps(draft), record_id),
            )
            self._recompute(record_id)
            if finalize:
                return self._finalize(record_id)
            return SaveResult(record_id, False, None, self._issues(record_id))

    def finalize(self, record_id: str) -> SaveResult:
        with self.store.transaction():
            return self._finalize(record_id)

    def discard_draft(self, record_id: str) -> None:
        """Throw the unfinalized edits away (a never-finalized new record disappears)."""
        with self.store.transaction():
            row = self._row(record_id)
            if row is None:
                raise RecordNotFound(record_id)
            if row["rev"] == 0 and not self._has_outbox(record_id):
                self.store.conn.execute("DELETE FROM records WHERE record_id = ?", (record_id,))
                return
            self.store.conn.execute(
                "UPDATE records SET draft_fields = NULL WHERE record_id = ?", (record_id,)
            )
            self._recompute(record_id)

    def discard_rejected(self, record_id: str) -> int:
        """Give up the record's rejected changes: the view goes back to what the server has."""
        with self.store.transaction():
            n = self.store.conn.execute(
                "UPDATE outbox SET state = 'superseded' WHERE record_id = ? AND state = 'rejected'",
                (record_id,),
            ).rowcount
            self._recompute(record_id)
            return n

    def delete(self, record_id: str) -> str | None:
        """Delete a record: an outbox delete change, or nothing to send for a local-only draft."""
        with self.store.transaction():
            row = self._row(record_id)
            if row is None:
                raise RecordNotFound(record_id)
            if row["rev"] == 0 and not self._has_outbox(record_id):
                self.store.conn.execute("DELETE FROM records WHERE record_id = ?", (record_id,))
                return None
            change_id = str(uuid.uuid4())
            self.store.conn.execute(
                "UPDATE outbox SET state = 'superseded' WHERE record_id = ? AND state = 'rejected'",
                (record_id,),
            )
            self._insert_change(change_id, row["entity"], record_id, "delete", row["rev"], {})
            self.store.conn.execute(
                "UPDATE records SET draft_fields = NULL WHERE record_id = ?", (record_id,)
            )
            self._recompute(record_id)
            return change_id

    # ------------------------------------------------------------------ internals
    def _has_outbox(self, record_id: str) -> bool:
        return (
            self.store.conn.execute(
                "SELECT 1 FROM outbox WHERE record_id = ? LIMIT 1", (record_id,)
            ).fetchone()
            is not None
        )

    def _layers(
        self, row: Mapping[str, Any], *, with_rejected: bool
    ) -> builtins.list[tuple[str, dict[str, Any]]]:
        out = []
        for op, fields, state, *_ in self.store.conn.execute(
            _VISIBLE_ROWS, (row["record_id"], row["rev"])
        ):
            if state == "rejected" and not with_rejected:
                continue
            out.append((op, json.loads(fields)))
        return out

    def _recompute(self, record_id: str) -> None:
        row = self._row(record_id)
        assert row is not None
        draft = json.loads(row["draft_fields"]) if row["draft_fields"] is not None else None
        view, deleted = compose(
            json.loads(row["server_fields"]),
            bool(row["server_deleted"]),
            self._layers(row, with_rejected=True),
            draft,
        )
        title, key = _searchable(view)
        self.store.conn.execute(
            "UPDATE records SET fields = ?, deleted = ?, title = ?, search = ?, "
            "unit = coalesce(unit, ?), local_updated_at = ? WHERE record_id = ?",
            (_dumps(view), int(deleted), title, key, view.get("unit"), utc_now(), record_id),
        )

    def _form_of(self, row: Mapping[str, Any]) -> Any:
        fields = json.loads(row["fields"])
        form_id = row["form_id"] or fields.get("form_id")
        version = row["form_version"] or fields.get("form_version")
        if form_id and version is not None:
            return self.forms.get(str(form_id), int(version))
        return self.forms.latest(row["entity"])

    def _issues(self, record_id: str) -> builtins.list[Issue]:
        row = self._row(record_id)
        assert row is not None
        view = json.loads(row["fields"])
        form = self._form_of(row)
        return [Issue(i.field, str(i.code), i.message) for i in validate(form, view)]

    def _finalize(self, record_id: str) -> SaveResult:
        """Validate the whole record; queue the changed fields. Caller holds the transaction."""
        row = self._row(record_id)
        if row is None:
            raise RecordNotFound(record_id)
        issues = self._issues(record_id)
        if issues:
            return SaveResult(record_id, False, None, issues)
        view = json.loads(row["fields"])
        committed, _ = compose(
            json.loads(row["server_fields"]),
            bool(row["server_deleted"]),
            self._layers(row, with_rejected=False),
            None,
        )
        diff = {
            k: v
            for k, v in view.items()
            if k not in committed or canonical(committed[k]) != canonical(v)
        }
        # Rejected changes are folded into this one (their values are in the view): the officer
        # has now seen and resolved them.
        self.store.conn.execute(
            "UPDATE outbox SET state = 'superseded' WHERE record_id = ? AND state = 'rejected'",
            (record_id,),
        )
        change_id: str | None = None
        if diff:
            change_id = str(uuid.uuid4())
            self._insert_change(change_id, row["entity"], record_id, "upsert", row["rev"], diff)
        self.store.conn.execute(
            "UPDATE records SET draft_fields = NULL WHERE record_id = ?", (record_id,)
        )
        self._recompute(record_id)
        return SaveResult(record_id, True, change_id, [])

    def _insert_change(
        self,
        change_id: str,
        entity: str,
        record_id: str,
        op: str,
        rev: int,
        fields: Mapping[str, Any],
    ) -> None:
        self.store.conn.execute(
            "INSERT INTO outbox(change_id, entity, record_id, op, base_rev, hlc, fields, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                change_id,
                entity,
                record_id,
                op,
                rev or None,
                self.clock.now(),
                _dumps(fields),
                utc_now(),
            ),
        )

    # ------------------------------------------------------------------ from the server
    def apply_server_records(self, records: builtins.list[Mapping[str, Any]]) -> None:
        """Upsert pulled records (caller holds the transaction), keeping local layers on top."""
        if not records:
            return
        conn = self.store.conn
        ids = [str(r["record_id"]) for r in records]
        # Only records with local layers need the slow path; on a first sync that is none.
        layered: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            layered.update(
                r[0]
                for r in conn.execute(
                    f"SELECT DISTINCT record_id FROM outbox WHERE record_id IN ({marks}) "
                    "AND state IN ('pending', 'rejected', 'sent')",
                    chunk,
                )
            )
            layered.update(
                r[0]
                for r in conn.execute(
                    f"SELECT record_id FROM records WHERE record_id IN ({marks}) "
                    "AND draft_fields IS NOT NULL",
                    chunk,
                )
            )
        now = utc_now()
        plain: builtins.list[tuple[Any, ...]] = []
        for rec in records:
            fields = rec.get("fields") or {}
            deleted = bool(rec.get("deleted"))
            title, key = _searchable(fields)
            version = fields.get("form_version")
            plain.append(
                (
                    str(rec["record_id"]),
                    rec["entity"],
                    fields.get("unit"),
                    fields.get("form_id"),
                    int(version) if isinstance(version, int) else None,
                    int(rec["rev"]),
                    _dumps(fields),
                    int(deleted),
                    rec.get("updated_at"),
                    _dumps(fields),
                    int(deleted),
                    title,
                    key,
                    now,
                )
            )
        # A pulled state older than what we hold (a page re-read after a cut) must not win.
        conn.executemany(
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
            "WHERE excluded.rev >= records.rev",
            plain,
        )
        for rid in layered:
            self._recompute(rid)
        newest = max((str(r.get("updated_at") or "") for r in records), default="")
        if newest:
            ms = _iso_ms(newest)
            if ms is not None:
                self.clock.observe_record_time(ms)


def _iso_ms(text: str) -> int | None:
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
