"""Reading the device's records: one record with its status and errors, lists and searches,
the light rows of a list, the fields in conflict, counts.

:class:`RecordQueries` is the reading half of :class:`mobile.core.records.Records` (the object a
``Device`` exposes as ``device.records``); saving is the other half, in ``records.py``.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mobile.core.clock import DeviceClock
from mobile.core.errors import DeviceErrorCode, RecordNotFound, Refused
from mobile.core.forms import FormCatalog
from mobile.core.store import Store
from mobile.core.store import conflicts as stored_conflicts
from mobile.core.store import outbox as stored_outbox
from mobile.core.store import records as stored
from shared_schema.merge import canonical
from shared_schema.text import search_key

__all__ = ["ListItem", "LocalRecord", "RecordQueries"]

_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


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


@dataclass(frozen=True)
class ListItem:
    """A record as a list row shows it, read from its row alone: a page of them is one query
    (a :class:`LocalRecord` also reads the record's outbox, for its status and errors)."""

    record_id: str
    entity: str
    title: str
    fields: dict[str, Any]
    draft: bool  # edits saved and not finalized
    deleted: bool


class RecordQueries:
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
        for c in stored_conflicts.open_for(self.store, row["record_id"]):
            if c["field"] not in conflicts:
                conflicts.append(c["field"])
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

    def list_items(
        self,
        entity: str | None = None,
        *,
        search: str | None = None,
        limit: int = 100,
        offset: int = 0,
        include_deleted: bool = False,
        fields_equal: Mapping[str, Any] | None = None,
    ) -> builtins.list[ListItem]:
        """What :meth:`list` finds, as list rows (the app's record lists page through these)."""
        rows = self.search_rows(
            entity,
            search=search,
            limit=limit,
            offset=offset,
            include_deleted=include_deleted,
            fields_equal=fields_equal,
        )
        return [
            ListItem(
                record_id=r["record_id"],
                entity=r["entity"],
                title=r["title"],
                fields=json.loads(r["fields"]),
                draft=r["draft_fields"] is not None,
                deleted=bool(r["deleted"]),
            )
            for r in rows
        ]

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
        """The store's rows (``fields`` as JSON text) of :meth:`list`; ``fields_equal``: only records
        whose field has that value (the app's list filters)."""
        for name in fields_equal or {}:
            if not _FIELD_NAME.fullmatch(name):
                raise Refused(DeviceErrorCode.NOT_A_FIELD_NAME, name=name)
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

    def conflicts_of(self, record_id: str | None = None) -> builtins.list[dict[str, Any]]:
        """The open conflicts of a record (of every record with ``None``), oldest first: fields
        where this device's value met another device's (SYNC.md ``conflict``).

        Each is a dict of ``record_id``, ``field``, ``change_id`` and:

        - ``mine``: what this device sent;
        - ``other``: the other device's value: what the server holds when that is not ``mine``
          (the other value won), else what the server held before this device's change (this
          one won and overwrote it), kept when the answer came; ``other_known`` is False when
          the device never had that value (a conflict answered before it kept them);
        - ``kept``: ``"mine"`` or ``"other"``, the one the server holds, or ``None`` until the
          device has pulled the revision the answer named;
        - ``current``: what the officer sees now (with any edit made since).
        """
        rows: dict[str, dict[str, Any] | None] = {}
        out = []
        for c in stored_conflicts.open_for(self.store, record_id):
            rid = c["record_id"]
            if rid not in rows:
                rows[rid] = self._row(rid)
            row = rows[rid]
            if row is None:
                continue
            name = c["field"]
            server = json.loads(row["server_fields"])
            mine = json.loads(c["fields"]).get(name)
            pulled = row["rev"] >= (c["result_rev"] or 0)
            kept: str | None
            if pulled and canonical(server.get(name)) != canonical(mine):
                kept, other, known = "other", server.get(name), True
            else:
                kept = "mine" if pulled else None
                known = c["other"] is not None
                other = json.loads(c["other"]) if known else None
            out.append(
                {
                    "record_id": rid,
                    "field": name,
                    "change_id": c["change_id"],
                    "mine": mine,
                    "other": other,
                    "other_known": known,
                    "kept": kept,
                    "current": json.loads(row["fields"]).get(name),
                }
            )
        return out

    def count(self, entity: str | None = None) -> int:
        return stored.count(self.store, entity)

    def draft_count(self) -> int:
        return stored.draft_count(self.store)
