"""Push and pull (SYNC.md): idempotent per-change merge in one transaction, and a gap-free feed.

Push numbers every accepted change with ``seq`` while holding the change-log lock (SQLite: the
write lock of ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), so sequence numbers become
visible in commit order and ``records.seq > cursor`` never skips a change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from server.clock import iso, now_ms
from server.config import Settings
from server.db.engine import lock_change_log
from server.db.schema import (
    changes,
    conflicts,
    evidence_files,
    records,
    server_meta,
    unit_closure,
    units,
)
from server.errors import ApiError
from server.services.auth import REVIEWER_ROLES, Principal
from server.store import facts as store_facts  # issue 10: report figures kept on write
from shared_schema.entities import REVIEW_FIELDS
from shared_schema.errors import ChangeErrorCode, ErrorCode, error_message
from shared_schema.forms import FormDefinition, FormSet, load_default_forms
from shared_schema.hlc import parse_hlc
from shared_schema.merge import Change, FieldMeta, RecordState, canonical, merge
from shared_schema.validation import validate
from shared_schema.wire import parse_change

__all__ = ["CursorCodec", "pull", "push"]

_FORM_KEYS = ("form_id", "form_version")
_SEQ_RE = re.compile(r"[0-9]{1,18}")


# ---------------------------------------------------------------------------- helpers
def _result(
    change_id: str | None,
    status: str,
    rev: int | None = None,
    conflicts_: list[str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "change_id": change_id,
        "status": status,
        "rev": rev,
        "conflicts": conflicts_ or [],
        "errors": errors or [],
    }


def _err(
    field: str | None, code: ChangeErrorCode, lang: str, message: str | None = None
) -> dict[str, Any]:
    return {"field": field, "code": code.value, "message": message or error_message(code, lang)}


def _rejected(change_id: str | None, errs: list[dict[str, Any]]) -> dict[str, Any]:
    return _result(change_id, "rejected", errors=errs)


def _content_hash(c: Change) -> str:
    body = canonical([c.entity, c.record_id, c.op, c.base_rev, c.hlc, c.fields])
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass
class _Rec:
    state: RecordState
    unit: str | None
    form_id: str | None
    form_version: int | None
    created_at: str
    exists: bool  # a row is in the database already
    seq: int = 0
    dirty: bool = False


def _load_state(row: Any) -> _Rec:
    meta = {k: FieldMeta(v[0], v[1]) for k, v in orjson.loads(row.meta).items()}
    state = RecordState(
        entity=row.entity,
        record_id=row.record_id,
        rev=row.rev,
        fields=orjson.loads(row.fields),
        meta=meta,
        deleted=bool(row.deleted),
        deleted_hlc=row.deleted_hlc,
    )
    return _Rec(state, row.unit, row.form_id, row.form_version, row.created_at, True, row.seq)


def _form_for(forms: FormSet, fields: dict[str, Any]) -> FormDefinition | None:
    fid, ver = fields.get("form_id"), fields.get("form_version")
    if not isinstance(fid, str) or isinstance(ver, bool) or not isinstance(ver, int):
        return None
    return forms.get(fid, ver)


# ---------------------------------------------------------------------------- push
def push(
    conn: Connection,
    settings: Settings,
    principal: Principal,
    raw_changes: list[Any],
    *,
    lang: str = "vi",
    forms: FormSet | None = None,
) -> list[dict[str, Any]]:
    """Apply a batch; one result per change, in order. The caller owns the (write) transaction."""
    forms = forms or load_default_forms()
    skew_limit = now_ms() + settings.clock_skew_seconds * 1000
    parsed: list[tuple[Change | None, str | None, list[dict[str, Any]]]] = []
    for raw in raw_changes:
        change, cid, problems = parse_change(raw, device_id=principal.device_id)
        errs = [_err(f, code, lang) for f, code in problems]
        if change is not None:
            if parse_hlc(change.hlc).ms > skew_limit:
                errs.append(_err("hlc", ChangeErrorCode.CLOCK_SKEW, lang))
            if principal.role not in REVIEWER_ROLES:
                errs.extend(
                    _err(name, ChangeErrorCode.FORBIDDEN_FIELD, lang)
                    for name in sorted(REVIEW_FIELDS & change.fields.keys())
                )
        parsed.append((None if errs else change, cid, errs))

    valid = [c for c, _, _ in parsed if c is not None]
    if not valid:
        return [_rejected(cid, errs) for _, cid, errs in parsed]

    lock_change_log(conn)
    cids = list({c.change_id for c in valid})
    seen: dict[str, tuple[str, int, list[str], str]] = {}
    for i in range(0, len(cids), 500):
        # A change_id is this user's idempotency key: another user's says nothing across scopes.
        q = select(
            changes.c.change_id,
            changes.c.content_hash,
            changes.c.rev,
            changes.c.conflicts,
            changes.c.status,
        ).where(changes.c.user_id == principal.user_id)
        for r in conn.execute(q.where(changes.c.change_id.in_(cids[i : i + 500]))):
            seen[r.change_id] = (r.content_hash, r.rev, orjson.loads(r.conflicts), r.status)
    rids = list({c.record_id for c in valid})
    recs: dict[str, _Rec] = {}
    for i in range(0, len(rids), 500):
        for row in conn.execute(select(records).where(records.c.record_id.in_(rids[i : i + 500]))):
            recs[row.record_id] = _load_state(row)
    next_seq = (conn.execute(select(func.max(changes.c.seq))).scalar() or 0) + 1
    named = {c.fields["unit"] for c in valid if isinstance(c.fields.get("unit"), str)}
    communes = frozenset(
        conn.execute(
            select(units.c.code).where(units.c.code.in_(named), units.c.level == "commune")
        ).scalars()
    )

    stamp = iso()
    change_rows: list[dict[str, Any]] = []
    conflict_rows: list[dict[str, Any]] = []
    evidence_touched: dict[str, _Rec] = {}
    results: list[dict[str, Any]] = []
    for change, cid, errs in parsed:
        if change is None:
            results.append(_rejected(cid, errs))
            continue
        chash = _content_hash(change)
        prior = seen.get(change.change_id)
        if prior is not None:
            if prior[0] == chash:
                results.append(_result(cid, "duplicate", prior[1], prior[2]))
            else:
                results.append(
                    _rejected(cid, [_err("change_id", ChangeErrorCode.CHANGE_ID_REUSED, lang)])
                )
            continue
        rec = recs.get(change.record_id)
        check_errs = _check(change, rec, principal, forms, lang, communes)
        if check_errs:
            results.append(_rejected(cid, check_errs))
            continue
        outcome = merge(rec.state if rec else None, change)
        if not outcome.accepted:
            assert outcome.error is not None
            results.append(_rejected(cid, [_err(outcome.error_field, outcome.error, lang)]))
            continue
        if rec is None:
            rec = _Rec(
                outcome.state,
                change.fields.get("unit") if change.op == "upsert" else None,
                change.fields.get("form_id") if change.op == "upsert" else None,
                change.fields.get("form_version") if change.op == "upsert" else None,
                stamp,
                exists=False,
            )
            recs[change.record_id] = rec
        rec.state = outcome.state
        rec.seq = next_seq
        rec.dirty = True
        seq, next_seq = next_seq, next_seq + 1
        change_rows.append(
            {
                "seq": seq,
                "change_id": change.change_id,
                "content_hash": chash,
                "record_id": change.record_id,
                "entity": change.entity,
                "op": change.op,
                "base_rev": change.base_rev,
                "hlc": change.hlc,
                "fields": orjson.dumps(change.fields).decode(),
                "device_id": principal.device_id,
                "user_id": principal.user_id,
                "status": outcome.status,
                "rev": outcome.state.rev,
                "conflicts": orjson.dumps(outcome.conflicts).decode(),
                "received_at": stamp,
            }
        )
        for lo in outcome.losers:
            conflict_rows.append(
                {
                    "record_id": change.record_id,
                    "field": lo.field,
                    "change_id": change.change_id,
                    "losing_value": canonical(lo.losing_value),
                    "losing_hlc": lo.losing_hlc,
                    "winning_value": canonical(lo.winning_value),
                    "winning_hlc": lo.winning_hlc,
                    "rev": outcome.state.rev,
                    "created_at": stamp,
                }
            )
        if change.entity == "evidence":
            evidence_touched[change.record_id] = rec
        seen[change.change_id] = (chash, outcome.state.rev, outcome.conflicts, outcome.status)
        results.append(_result(cid, outcome.status, outcome.state.rev, outcome.conflicts))

    _write(conn, recs, change_rows, conflict_rows, evidence_touched, stamp)
    return results


def _check(
    change: Change,
    rec: _Rec | None,
    principal: Principal,
    forms: FormSet,
    lang: str,
    communes: frozenset[str],
) -> list[dict[str, Any]]:
    """Scope, form and field checks of one change against the record's merged state.

    Scope comes first, tombstones included: out of scope is ``out_of_scope`` whatever the record's
    state, so a write never tells another scope that a record exists or was deleted.
    """
    if rec is not None and rec.state.deleted:
        if rec.unit is not None and not principal.in_scope(rec.unit):
            return [_err("unit", ChangeErrorCode.OUT_OF_SCOPE, lang)]
        unit = change.fields.get("unit")
        if rec.unit is None and isinstance(unit, str) and not principal.in_scope(unit):
            # A tombstone of a record never seen has no unit: the late create names one.
            return [_err("unit", ChangeErrorCode.OUT_OF_SCOPE, lang)]
        return []  # merge answers record_deleted (upsert) or keeps the tombstone (delete)
    if rec is None:
        if change.op == "delete":
            return []  # a tombstone of a record never seen: no unit, no one pulls it
        unit = change.fields.get("unit")
        if unit is None:
            return [_err("unit", ChangeErrorCode.REQUIRED, lang)]
        if not isinstance(unit, str):
            return [_err("unit", ChangeErrorCode.INVALID_VALUE, lang)]
        if not principal.in_scope(unit):
            return [_err("unit", ChangeErrorCode.OUT_OF_SCOPE, lang)]
        if unit not in communes:  # records belong to a commune, not to a district or province
            return [_err("unit", ChangeErrorCode.INVALID_VALUE, lang)]
        form = _form_for(forms, change.fields)
        if form is None or form.entity != change.entity:
            return [_err("form_id", ChangeErrorCode.UNKNOWN_FORM, lang)]
        return [
            _err(i.field, i.code, lang, i.message) for i in validate(form, change.fields, lang=lang)
        ]
    if not principal.in_scope(rec.unit):
        return [_err("unit", ChangeErrorCode.OUT_OF_SCOPE, lang)]
    if rec.state.entity != change.entity:
        return [
            _err("entity", ChangeErrorCode.INVALID_CHANGE, lang)
        ]  # a record_id of another entity
    if change.op == "delete":
        return []
    current = rec.state.fields
    errs: list[dict[str, Any]] = []
    for key in _FORM_KEYS:
        if key in change.fields and canonical(change.fields[key]) != canonical(current.get(key)):
            errs.append(_err(key, ChangeErrorCode.INVALID_VALUE, lang))
    if errs:
        return errs
    form = _form_for(forms, current)
    if form is None:
        return [_err("form_id", ChangeErrorCode.UNKNOWN_FORM, lang)]
    if "unit" in change.fields and canonical(change.fields["unit"]) != canonical(
        current.get("unit")
    ):
        return [_err("unit", ChangeErrorCode.UNIT_IMMUTABLE, lang)]
    return [
        _err(i.field, i.code, lang, i.message)
        for i in validate(form, change.fields, current=current, lang=lang)
    ]


def _write(
    conn: Connection,
    recs: dict[str, _Rec],
    change_rows: list[dict[str, Any]],
    conflict_rows: list[dict[str, Any]],
    evidence_touched: dict[str, _Rec],
    stamp: str,
) -> None:
    if not change_rows:
        return
    conn.execute(insert(changes), change_rows)
    if conflict_rows:
        conn.execute(insert(conflicts), conflict_rows)
    new_rows: list[dict[str, Any]] = []
    upd_rows: list[dict[str, Any]] = []
    for rid, rec in recs.items():
        if not rec.dirty:
            continue
        s = rec.state
        row = {
            "record_id": rid,
            "entity": s.entity,
            "unit": rec.unit,
            "rev": s.rev,
            "fields": orjson.dumps(s.fields).decode(),
            "meta": orjson.dumps({k: [m.hlc, m.rev] for k, m in s.meta.items()}).decode(),
            "deleted": s.deleted,
            "deleted_hlc": s.deleted_hlc,
            "form_id": rec.form_id,
            "form_version": rec.form_version,
            "created_at": rec.created_at,
            "updated_at": stamp,
            "seq": rec.seq,
        }
        (upd_rows if rec.exists else new_rows).append(row)
        rec.exists, rec.dirty = True, False
    if new_rows:
        conn.execute(insert(records), new_rows)
    if upd_rows:
        stmt = (
            update(records)
            .where(records.c.record_id == bindparam("b_record_id"))
            .values(
                rev=bindparam("rev"),
                fields=bindparam("fields"),
                meta=bindparam("meta"),
                deleted=bindparam("deleted"),
                deleted_hlc=bindparam("deleted_hlc"),
                updated_at=bindparam("updated_at"),
                seq=bindparam("seq"),
            )
        )
        conn.execute(stmt, [{**r, "b_record_id": r["record_id"]} for r in upd_rows])
    store_facts.upsert(conn, new_rows + upd_rows)  # issue 10 (i10-api): report facts, same tx
    for rid, rec in evidence_touched.items():
        conn.execute(delete(evidence_files).where(evidence_files.c.record_id == rid))
        sha = rec.state.fields.get("sha256")
        if not rec.state.deleted and isinstance(sha, str):
            conn.execute(insert(evidence_files).values(record_id=rid, sha256=sha, unit=rec.unit))


# ---------------------------------------------------------------------------- pull
class CursorCodec:
    """Opaque, signed cursors: a client cannot forge one the server did not issue."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def load(cls, conn: Connection) -> CursorCodec:
        """The deployment's key (made by the first migration run, shared by every process)."""
        key = conn.execute(
            select(server_meta.c.value).where(server_meta.c.key == "cursor_key")
        ).scalar_one()
        return cls(bytes.fromhex(key))

    def _sig(self, seq: int) -> str:
        mac = hmac.new(self._key, f"c1:{seq}".encode(), hashlib.sha256).digest()[:12]
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def encode(self, seq: int) -> str:
        return f"c1.{seq}.{self._sig(seq)}"

    def decode(self, cursor: str) -> int:
        parts = cursor.split(".")
        if len(parts) != 3 or parts[0] != "c1" or not _SEQ_RE.fullmatch(parts[1]):
            raise ApiError(ErrorCode.INVALID_CURSOR)
        seq = int(parts[1])
        if not hmac.compare_digest(parts[2], self._sig(seq)):
            raise ApiError(ErrorCode.INVALID_CURSOR)
        return seq


def pull(
    conn: Connection, principal: Principal, codec: CursorCodec, *, cursor: str | None, limit: int
) -> tuple[list[orjson.Fragment | dict[str, Any]], str, bool]:
    after = codec.decode(cursor) if cursor else 0
    scope_q = select(unit_closure.c.descendant).where(unit_closure.c.ancestor.in_(principal.units))
    q = (
        select(
            records.c.entity,
            records.c.record_id,
            records.c.rev,
            records.c.fields,
            records.c.deleted,
            records.c.updated_at,
            records.c.seq,
        )
        .where(records.c.seq > after, records.c.unit.in_(scope_q))
        .order_by(records.c.seq)
        .limit(limit + 1)
    )
    rows = conn.execute(q).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    out: list[orjson.Fragment | dict[str, Any]] = [
        {
            "entity": r.entity,
            "record_id": r.record_id,
            "rev": r.rev,
            "fields": orjson.Fragment(r.fields),
            "deleted": bool(r.deleted),
            "updated_at": r.updated_at,
        }
        for r in rows
    ]
    next_cursor = codec.encode(rows[-1].seq) if rows else (cursor or codec.encode(after))
    return out, next_cursor, has_more
