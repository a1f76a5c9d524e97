"""Per-field last-writer-wins merge of SYNC.md, as a pure function.

``merge(state, change)`` returns the record's new state and what the change ran into. The server
runs it inside its push transaction; the field app runs the same rule, so both sides agree on the
outcome of any set of changes whatever order they arrive in.

Rules (SYNC.md "Merge rules"):
- per field, the value with the highest HLC wins (HLC strings compare as byte strings; an exact
  tie, which only a misbehaving device can produce, goes to the larger canonical JSON value so
  that it is still order-independent);
- a field this change sets is a *conflict* when it was last written at a rev above the change's
  ``base_rev`` (null counts as 0) by another device and holds a different value, whether the
  incoming value wins or loses; the losing value is kept (``MergeResult.losers``) for review;
- deletes win: a delete stores a tombstone, and an upsert that arrives after it is rejected with
  ``record_deleted``; a delete of an unknown record makes a tombstone with no fields;
- ``unit`` never changes once a record has one (``unit_immutable``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from shared_schema.errors import ChangeErrorCode

__all__ = [
    "Change",
    "FieldMeta",
    "Loser",
    "MergeResult",
    "RecordState",
    "canonical",
    "merge",
    "resubmit",
]

IMMUTABLE_FIELDS = frozenset({"unit"})


def canonical(value: Any) -> str:
    """Canonical JSON text of a value: equal values give equal text (key order does not matter)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _device_of(hlc: str) -> str:
    return hlc.split("-", 2)[2]


@dataclass(frozen=True, slots=True)
class Change:
    """A change already checked for shape (see ``shared_schema.wire.parse_change``)."""

    change_id: str
    entity: str
    record_id: str
    op: Literal["upsert", "delete"]
    base_rev: int | None
    hlc: str
    fields: dict[str, Any]

    @property
    def device_id(self) -> str:
        return _device_of(self.hlc)


@dataclass(frozen=True, slots=True)
class FieldMeta:
    """Who last wrote a field: the winning HLC and the record rev at which it was written."""

    hlc: str
    rev: int


@dataclass(frozen=True, slots=True)
class RecordState:
    entity: str
    record_id: str
    rev: int = 0
    fields: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, FieldMeta] = field(default_factory=dict)
    deleted: bool = False
    deleted_hlc: str | None = None

    def content(self) -> tuple[Any, ...]:
        """What replicas must agree on, whatever order changes came in (rev and write revs aside)."""
        return (
            self.entity,
            self.record_id,
            self.deleted,
            canonical(self.fields),
            canonical({k: m.hlc for k, m in self.meta.items()}),
        )


@dataclass(frozen=True, slots=True)
class Loser:
    """A value that lost a conflict, kept for a reviewer with the value that won."""

    field: str
    losing_value: Any
    losing_hlc: str
    winning_value: Any
    winning_hlc: str


@dataclass(frozen=True, slots=True)
class MergeResult:
    state: RecordState
    status: Literal["applied", "conflict", "rejected"]
    conflicts: list[str] = field(default_factory=list)
    losers: list[Loser] = field(default_factory=list)
    error: ChangeErrorCode | None = None
    error_field: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status != "rejected"


def _reject(state: RecordState, code: ChangeErrorCode, fld: str | None = None) -> MergeResult:
    return MergeResult(state=state, status="rejected", error=code, error_field=fld)


def _wins(new_hlc: str, new_value: Any, old_hlc: str, old_value: Any) -> bool:
    if new_hlc != old_hlc:
        return new_hlc > old_hlc
    return canonical(new_value) > canonical(old_value)


def merge(state: RecordState | None, change: Change) -> MergeResult:
    """Merge ``change`` into ``state`` (``None``: a record the replica has never seen)."""
    if state is None:
        if change.op == "upsert":
            # A record this replica has never seen: every field is the change's, at rev 1 (what
            # the loop below does for a new record, without its per-field comparisons).
            stamp = FieldMeta(change.hlc, 1)
            return MergeResult(
                state=RecordState(
                    entity=change.entity,
                    record_id=change.record_id,
                    rev=1,
                    fields=dict(change.fields),
                    meta=dict.fromkeys(change.fields, stamp),
                ),
                status="applied",
            )
        state = RecordState(entity=change.entity, record_id=change.record_id)
        is_new = True
    else:
        is_new = False

    if state.deleted:
        # Deletes win, whatever entity a late change names.
        if change.op == "upsert":
            return _reject(state, ChangeErrorCode.RECORD_DELETED)
        # A second delete: the tombstone keeps the larger HLC, nothing else moves.
        new_hlc = max(state.deleted_hlc or "", change.hlc)
        if new_hlc == state.deleted_hlc:
            return MergeResult(state=state, status="applied")
        return MergeResult(
            state=replace(state, rev=state.rev + 1, deleted_hlc=new_hlc), status="applied"
        )

    if state.entity != change.entity:
        return _reject(state, ChangeErrorCode.INVALID_CHANGE, "entity")
    new_rev = state.rev + 1
    if change.op == "delete":
        tomb = replace(state, rev=new_rev, deleted=True, deleted_hlc=change.hlc)
        return MergeResult(state=tomb, status="applied")

    for name in IMMUTABLE_FIELDS & change.fields.keys():
        current = state.fields.get(name)
        if (
            not is_new
            and current is not None
            and canonical(current) != canonical(change.fields[name])
        ):
            return _reject(state, ChangeErrorCode.UNIT_IMMUTABLE, name)

    base = change.base_rev or 0
    device = change.device_id
    fields = dict(state.fields)
    meta = dict(state.meta)
    conflicts: list[str] = []
    losers: list[Loser] = []
    already_in = not is_new
    stamp = FieldMeta(change.hlc, new_rev)  # frozen: one for every field this change wins
    for name, value in change.fields.items():
        old = meta.get(name)
        if old is None:
            fields[name] = value
            meta[name] = stamp
            already_in = False
            continue
        old_value = fields.get(name)
        if old.hlc == change.hlc and canonical(old_value) == canonical(value):
            continue  # this very write is already in
        already_in = False
        differs = canonical(old_value) != canonical(value)
        if old.rev > base and _device_of(old.hlc) != device and differs:
            conflicts.append(name)
        if _wins(change.hlc, value, old.hlc, old_value):
            if differs:
                losers.append(Loser(name, old_value, old.hlc, value, change.hlc))
            fields[name] = value
            meta[name] = stamp
        elif differs:
            losers.append(Loser(name, value, change.hlc, old_value, old.hlc))

    if already_in:
        # Applying a change a second time changes nothing, not even the rev.
        return MergeResult(state=state, status="applied")
    return MergeResult(
        state=replace(state, rev=new_rev, fields=fields, meta=meta),
        status="conflict" if conflicts else "applied",
        conflicts=conflicts,
        losers=[lo for lo in losers if lo.field in conflicts],
    )


def resubmit(before: RecordState | None, result: MergeResult, change: Change) -> MergeResult:
    """SYNC.md "Records": a change from someone who may not review (the caller decides who),
    applied to a record whose ``review_state`` is ``returned``, sets it to ``resubmitted`` in the
    same revision; the field takes the change's HLC, ``review_comment`` stays. So the reviewer
    finds the corrected record again, and every device learns it was sent back."""
    state = result.state
    if (
        before is None
        or not result.accepted
        or change.op != "upsert"
        or before.fields.get("review_state") != "returned"
        or state.rev == before.rev  # nothing was applied: the change was in already
        or state.deleted
    ):
        return result
    fields = {**state.fields, "review_state": "resubmitted"}
    meta = {**state.meta, "review_state": FieldMeta(change.hlc, state.rev)}
    return replace(result, state=replace(state, fields=fields, meta=meta))
