"""Records on the device: create, edit, draft, finalize, discard, delete; what a save returns.

:class:`Records` is the object a ``Device`` exposes as ``device.records``: it reads through
:class:`~mobile.core.record_queries.RecordQueries` (get, list, list items, search, conflicts,
counts) and saves here. What the officer sees of a record is composed from the server's state,
the unsent changes and the draft (:mod:`mobile.core.record_view`); pulled records go in under
those layers (:mod:`mobile.core.pulled`).

Every save is one transaction: the record row, its outbox change and the clock value move
together or not at all. A refusal is a coded :class:`~mobile.core.errors.Refused` (or
:class:`~mobile.core.errors.RecordNotFound`), worded by the edge that shows it.
"""

from __future__ import annotations

import builtins
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mobile.core.clock import utc_now
from mobile.core.errors import DeviceErrorCode, RecordNotFound, Refused
from mobile.core.pulled import apply_pulled
from mobile.core.record_queries import ListItem, LocalRecord, RecordQueries
from mobile.core.record_view import compose, dumps, layers, recompute, searchable
from mobile.core.store import conflicts as stored_conflicts
from mobile.core.store import outbox as stored_outbox
from mobile.core.store import records as stored
from shared_schema.entities import ENTITIES
from shared_schema.merge import canonical
from shared_schema.text import nfc_deep
from shared_schema.validation import apply_defaults, validate

__all__ = [
    "Issue",
    "ListItem",
    "LocalRecord",
    "RecordNotFound",
    "Records",
    "SaveResult",
    "compose",
]


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


class Records(RecordQueries):
    """The device's records: :class:`RecordQueries` reads them, the methods below save them."""

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
            raise Refused(DeviceErrorCode.UNKNOWN_ENTITY, entity=entity)
        form = (
            self.forms.get(form_id, form_version)
            if form_id and form_version is not None
            else self.forms.latest(entity)
        )
        if form.entity != entity:
            raise Refused(
                DeviceErrorCode.FORM_ENTITY_MISMATCH,
                form_id=form.form_id,
                form_entity=form.entity,
                entity=entity,
            )
        values = dict(nfc_deep(dict(values)))
        unit = unit or values.get("unit") or self._default_unit()
        if not unit:
            raise Refused(DeviceErrorCode.UNIT_REQUIRED)
        fields = dict(apply_defaults(form, values))
        fields.update({"unit": unit, "form_id": form.form_id, "form_version": form.version})
        record_id = record_id or str(uuid.uuid4())
        with self.store.transaction():
            title, key = searchable(fields)
            stored.insert_new(
                self.store,
                record_id=record_id,
                entity=entity,
                unit=unit,
                form_id=form.form_id,
                form_version=form.version,
                draft_fields=dumps(fields),
                fields=dumps(fields),
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
                raise Refused(DeviceErrorCode.RECORD_DELETED, record_id=record_id)
            if "unit" in values and values["unit"] != row["unit"] and row["unit"]:
                raise Refused(DeviceErrorCode.UNIT_IMMUTABLE, record_id=record_id)
            draft = json.loads(row["draft_fields"]) if row["draft_fields"] is not None else {}
            draft.update(values)
            stored.set_draft(self.store, record_id, dumps(draft))
            recompute(self.store, record_id)
            if finalize:
                return self._finalize(record_id)
            return SaveResult(record_id, False, None, self._issues(record_id))

    def resolve_conflict(self, record_id: str, field: str, value: Any) -> SaveResult:
        """The officer's choice for a field in conflict (``conflicts_of``): an edit setting it to
        ``value``, and the field's conflicts closed.

        The choice is sent as a change even when the server holds that value already, as a
        reviewer's choice on the web is (SYNC.md "Review"): the server's history and every
        device learn that someone chose it, and it now carries this device's newest HLC. A
        record with a draft whose other answers do not validate stays a draft (the result says
        why), and its conflicts stay open.
        """
        with self.store.transaction():
            result = self.edit(record_id, {field: value}, finalize=True)
            if not result.finalized:
                return result
            if result.change_id is None:
                row = self._row(record_id)
                assert row is not None
                change_id = str(uuid.uuid4())
                self._insert_change(
                    change_id, row["entity"], record_id, "upsert", row["rev"], {field: value}
                )
                recompute(self.store, record_id)
                result = SaveResult(record_id, True, change_id, [])
            stored_conflicts.resolve(self.store, record_id, field, utc_now())
            return result

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
            recompute(self.store, record_id)

    def discard_rejected(self, record_id: str) -> int:
        """Give up the record's rejected changes: the view goes back to what the server has."""
        with self.store.transaction():
            n = stored_outbox.supersede_rejected(self.store, record_id)
            recompute(self.store, record_id)
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
            recompute(self.store, record_id)
            return change_id

    # ------------------------------------------------------------------ internals
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
            layers(self.store, row, with_rejected=False),
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
        recompute(self.store, record_id)
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
            fields=dumps(fields),
            now=utc_now(),
        )

    # ------------------------------------------------------------------ from the server
    def apply_server_records(self, records: builtins.list[Mapping[str, Any]]) -> None:
        """Upsert pulled records (caller holds the transaction), keeping local layers on top."""
        apply_pulled(self.store, self.clock, records)
