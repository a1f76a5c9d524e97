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
from typing import Any

from mobile.core.clock import DeviceClock, utc_now
from mobile.core.forms import FormCatalog
from mobile.core.store import Store
from mobile.core.store import outbox as stored_outbox
from mobile.core.store import records as stored
from shared_schema.entities import ENTITIES, SYSTEM_FIELDS
from shared_schema.isotime import parse_ms
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
    # A search matches each of its words on its own (never across a space), so a word said twice
    # adds nothing to find: keep each once, in order. A shorter key is a smaller, faster index,
    # and keying the distinct words only is less work (search_key goes word by word anyway).
    words = dict.fromkeys(" ".join(parts)[:_SEARCH_MAX].split())
    return title, " ".join(dict.fromkeys(search_key(" ".join(words)).split()))


class Records:
    def __init__(self, store: Store, forms: FormCatalog, clock: DeviceClock) -> None:
        self.store = store
        self.forms = forms
        self.clock = clock

    # ------------------------------------------------------------------ reading
    def _row(self, record_id: str) -> dict[str, Any] | None:
        return stored.get(self.store, record_id)

    def get(self, record_id: str) -> LocalRecord:
        row = self._row(record_id)
        if row is None:
            raise RecordNotFound(record_id)
        return self._to_record(row)

    def _to_record(self, row: Mapping[str, Any]) -> LocalRecord:
        outbox = stored_outbox.visible(self.store, row["record_id"], row["rev"])
        states = {o[2] for o in outbox}
        errors: builtins.list[dict[str, Any]] = []
        for o in outbox:
            if o[2] == "rejected" and o[4]:
                errors.extend(json.loads(o[4]))
        conflicts: builtins.list[str] = []
        for _, _, c in stored_outbox.conflicted(self.store, row["record_id"]):
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
        for name in fields_equal or {}:
            if not _FIELD_NAME.fullmatch(name):
                raise ValueError(f"not a field name: {name!r}")
        words = search_key(search).split() if search else []
        return stored.search(
            self.store,
            entity=entity,
            words=words,
            include_deleted=include_deleted,
            limit=limit,
            offset=offset,
            fields_equal=fields_equal,
        )

    def conflicts_of(self, record_id: str) -> builtins.list[dict[str, Any]]:
        """Fields where this device's sent value met another device's (SYNC.md ``conflict``).

        ``mine`` is what this device sent, ``current`` what the record holds now; the server
        keeps the losing value for a reviewer whichever way the merge went.
        """
        view = self.get(record_id).fields
        out = []
        for change_id, fields, conflicts in stored_outbox.conflicted(self.store, record_id):
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
        return stored.count(self.store, entity)

    def draft_count(self) -> int:
        return stored.draft_count(self.store)

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
            stored.insert_new(
                self.store,
                record_id=record_id,
                entity=entity,
                unit=unit,
                form_id=form.form_id,
                form_version=form.version,
                draft_fields=_dumps(fields),
                fields=_dumps(fields),
                title=title,
                search_key=key,
                now=utc_now(),
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
            stored.set_draft(self.store, record_id, _dumps(draft))
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
            if row["rev"] == 0 and not stored_outbox.has_changes(self.store, record_id):
                stored.delete(self.store, record_id)
                return
            stored.set_draft(self.store, record_id, None)
            self._recompute(record_id)

    def discard_rejected(self, record_id: str) -> int:
        """Give up the record's rejected changes: the view goes back to what the server has."""
        with self.store.transaction():
            n = stored_outbox.supersede_rejected(self.store, record_id)
            self._recompute(record_id)
            return n

    def delete(self, record_id: str) -> str | None:
        """Delete a record: an outbox delete change, or nothing to send for a local-only draft."""
        with self.store.transaction():
            row = self._row(record_id)
            if row is None:
                raise RecordNotFound(record_id)
            if row["rev"] == 0 and not stored_outbox.has_changes(self.store, record_id):
                stored.delete(self.store, record_id)
                return None
            change_id = str(uuid.uuid4())
            stored_outbox.supersede_rejected(self.store, record_id)
            self._insert_change(change_id, row["entity"], record_id, "delete", row["rev"], {})
            stored.set_draft(self.store, record_id, None)
            self._recompute(record_id)
            return change_id

    # ------------------------------------------------------------------ internals
    def _layers(
        self, row: Mapping[str, Any], *, with_rejected: bool
    ) -> builtins.list[tuple[str, dict[str, Any]]]:
        out = []
        for op, fields, state, *_ in stored_outbox.visible(
            self.store, row["record_id"], row["rev"]
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
        stored.set_view(
            self.store,
            record_id,
            fields=_dumps(view),
            deleted=deleted,
            title=title,
            search_key=key,
            unit=view.get("unit"),
            now=utc_now(),
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
        stored_outbox.supersede_rejected(self.store, record_id)
        change_id: str | None = None
        if diff:
            change_id = str(uuid.uuid4())
            self._insert_change(change_id, row["entity"], record_id, "upsert", row["rev"], diff)
        stored.set_draft(self.store, record_id, None)
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
        stored_outbox.insert(
            self.store,
            change_id=change_id,
            entity=entity,
            record_id=record_id,
            op=op,
            base_rev=rev or None,
            hlc=self.clock.now(),
            fields=_dumps(fields),
            now=utc_now(),
        )

    # ------------------------------------------------------------------ from the server
    def apply_server_records(self, records: builtins.list[Mapping[str, Any]]) -> None:
        """Upsert pulled records (caller holds the transaction), keeping local layers on top."""
        if not records:
            return
        # One row per record, so the search index takes each new one once (a page never repeats a
        # record; if one did, the upsert's own rule picks it: the later at the same or higher rev).
        latest: dict[str, Mapping[str, Any]] = {}
        for rec in records:
            rid = str(rec["record_id"])
            kept = latest.get(rid)
            if kept is None or int(rec["rev"]) >= int(kept["rev"]):
                latest[rid] = rec
        # Only records with local layers need the slow path; on a first sync that is none.
        layered = stored.with_local_layers(self.store, builtins.list(latest))
        now = utc_now()
        plain: builtins.list[tuple[Any, ...]] = []
        for rid, rec in latest.items():
            fields = rec.get("fields") or {}
            deleted = bool(rec.get("deleted"))
            title, key = _searchable(fields)
            version = fields.get("form_version")
            text = _dumps(fields)
            plain.append(
                (
                    rid,
                    rec["entity"],
                    fields.get("unit"),
                    fields.get("form_id"),
                    int(version) if isinstance(version, int) else None,
                    int(rec["rev"]),
                    text,
                    int(deleted),
                    rec.get("updated_at"),
                    text,
                    int(deleted),
                    title,
                    key,
                    now,
                )
            )
        stored.upsert_pulled(self.store, plain)
        for rid in layered:
            self._recompute(rid)
        newest = max((str(r.get("updated_at") or "") for r in records), default="")
        if newest:
            ms = parse_ms(newest)
            if ms is not None:
                self.clock.observe_record_time(ms)


# One encoder for every record: ``json.dumps`` with arguments builds a new one per call, which was
# a third of the cost of serializing a pulled record's 2 KB of fields.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(value: Any) -> str:
    return _ENCODER.encode(value)
