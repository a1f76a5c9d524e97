"""Push (SYNC.md "Push"): an idempotent per-change merge of a batch, in one transaction.

The report facts of the records written are applied after it commits, from their change numbers
(``server/services/report_facts.py``), before any report reads them.

It numbers every accepted change with ``seq`` while holding the change-log lock (SQLite: the
write lock of ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), so sequence numbers become
visible in commit order and ``records.seq > cursor`` never skips a change.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from sqlalchemy import Connection

from server import store
from server.clock import iso, now_ms
from server.config import ServerSettings
from server.db.engine import lock_change_log
from server.services.auth import REVIEWER_ROLES, Principal
from server.services.forms import all_forms
from server.services.push_checks import REFERENCE_NAMES, Batch, PushRecord, check_change, err
from server.services.reform_push import note_placed, translate_legacy_units
from shared_schema.entities import REVIEW_FIELDS, SERVER_FIELDS
from shared_schema.errors import ChangeErrorCode
from shared_schema.forms import FormSet
from shared_schema.hlc import parse_hlc
from shared_schema.merge import Change, FieldMeta, RecordState, canonical, merge, resubmit
from shared_schema.wire import parse_change

__all__ = ["push"]


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


def _rejected(change_id: str | None, errs: list[dict[str, Any]]) -> dict[str, Any]:
    return _result(change_id, "rejected", errors=errs)


def _content_hash(c: Change) -> str:
    """SHA-256 of the change's content, keys sorted (orjson: a tenth of the standard encoder's
    time). A value orjson cannot write (an integer past 64 bits from an in-process caller) takes
    :func:`_legacy_content_hash`."""
    content = [c.entity, c.record_id, c.op, c.base_rev, c.hlc, c.fields]
    try:
        body = orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return _legacy_content_hash(c)
    return hashlib.sha256(body).hexdigest()


def _legacy_content_hash(c: Change) -> str:
    """The hash of changes stored before :func:`_content_hash` used orjson (the standard
    encoder's text, which writes some floats otherwise): a change sent again from then is still
    recognized as the same content."""
    body = canonical([c.entity, c.record_id, c.op, c.base_rev, c.hlc, c.fields])
    return hashlib.sha256(body.encode()).hexdigest()


def _load_state(row: Any) -> PushRecord:
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
    return PushRecord(state, row.unit, row.form_id, row.form_version, row.created_at, True, row.seq)


# ---------------------------------------------------------------------------- push
def push(
    conn: Connection,
    settings: ServerSettings,
    principal: Principal,
    raw_changes: list[Any],
    *,
    lang: str = "vi",
    forms: FormSet | None = None,
) -> list[dict[str, Any]]:
    """Apply a batch; one result per change, in order. The caller owns the (write) transaction."""
    owners: dict[tuple[str, int], str] = {}
    if forms is None:  # shipped versions and those published as XLSForms (services.forms)
        forms, owners = all_forms(conn)
    skew_limit = now_ms() + settings.clock_skew_seconds * 1000
    parsed: list[tuple[Change | None, str | None, list[dict[str, Any]]]] = []
    for raw in raw_changes:
        change, cid, problems = parse_change(raw, device_id=principal.device_id)
        errs = [err(f, code, lang) for f, code in problems]
        if change is not None:
            if parse_hlc(change.hlc).ms > skew_limit:
                errs.append(err("hlc", ChangeErrorCode.CLOCK_SKEW, lang))
            forbidden = SERVER_FIELDS | (
                frozenset() if principal.role in REVIEWER_ROLES else REVIEW_FIELDS
            )
            errs.extend(
                err(name, ChangeErrorCode.FORBIDDEN_FIELD, lang)
                for name in sorted(forbidden & change.fields.keys())
            )
        parsed.append((None if errs else change, cid, errs))

    valid = [c for c, _, _ in parsed if c is not None]
    if not valid:
        return [_rejected(cid, errs) for _, cid, errs in parsed]

    lock_change_log(conn)
    # A change_id is this user's idempotency key: another user's says nothing across scopes.
    seen = store.changes.applied_outcomes(conn, principal.user_id, {c.change_id for c in valid})
    recs = {
        row.record_id: _load_state(row)
        for row in store.records.full_rows(conn, {c.record_id for c in valid})
    }
    next_seq = store.changes.next_seq(conn)
    placed = translate_legacy_units(conn, valid, recs)  # a device offline across the 2025 reform
    referenced = {
        v for c in valid for k, v in c.fields.items() if k in REFERENCE_NAMES and isinstance(v, str)
    }
    targets = store.records.entity_units(conn, referenced - recs.keys())
    named = {c.fields["unit"] for c in valid if isinstance(c.fields.get("unit"), str)}
    named |= {r.unit for r in recs.values() if r.unit is not None}
    levels = store.units.levels(conn, named)

    # A published version may be named only under its unit: the units' ancestors tell.
    above = store.units.ancestors(conn, named) if owners else {}
    batch = Batch(principal, forms, lang, levels, recs, targets, owners, above)
    stamp = iso()
    change_rows: list[dict[str, Any]] = []
    conflict_rows: list[dict[str, Any]] = []
    evidence_touched: dict[str, PushRecord] = {}
    results: list[dict[str, Any]] = []
    for change, cid, errs in parsed:
        if change is None:
            results.append(_rejected(cid, errs))
            continue
        chash = _content_hash(change)
        prior = seen.get(change.change_id)
        if prior is not None:
            if prior[0] == chash or prior[0] == _legacy_content_hash(change):
                results.append(_result(cid, "duplicate", prior[1], prior[2]))
            else:
                results.append(
                    _rejected(cid, [err("change_id", ChangeErrorCode.CHANGE_ID_REUSED, lang)])
                )
            continue
        rec = recs.get(change.record_id)
        check_errs = check_change(change, rec, batch)
        if check_errs:
            results.append(_rejected(cid, check_errs))
            continue
        outcome = merge(rec.state if rec else None, change)
        if principal.role not in REVIEWER_ROLES:  # an officer's fix of a returned record
            outcome = resubmit(rec.state if rec else None, outcome, change)
        if not outcome.accepted:
            assert outcome.error is not None
            results.append(_rejected(cid, [err(outcome.error_field, outcome.error, lang)]))
            continue
        if rec is None:
            rec = PushRecord(
                outcome.state,
                change.fields.get("unit") if change.op == "upsert" else None,
                change.fields.get("form_id") if change.op == "upsert" else None,
                change.fields.get("form_version") if change.op == "upsert" else None,
                stamp,
                exists=False,
            )
            recs[change.record_id] = rec
        rec.state = outcome.state
        if change.record_id in placed and not rec.exists:
            rec.state.fields["unit_before_2025"] = placed[change.record_id]
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
    if placed:
        note_placed(conn, placed, recs)
    return results


def _write(
    conn: Connection,
    recs: dict[str, PushRecord],
    change_rows: list[dict[str, Any]],
    conflict_rows: list[dict[str, Any]],
    evidence_touched: dict[str, PushRecord],
    stamp: str,
) -> None:
    if not change_rows:
        return
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
    store.changes.append(conn, change_rows)
    store.conflicts.add(conn, conflict_rows)
    store.records.write(conn, new_rows, upd_rows)
    # The report figures are not kept here: they follow the records' change numbers after the
    # push commits, before any report reads them (server/services/report_facts.py, issue 22).
    for rid, rec in evidence_touched.items():
        sha = rec.state.fields.get("sha256")
        named_file = sha if not rec.state.deleted and isinstance(sha, str) else None
        store.attachments.set_evidence_file(conn, rid, named_file, rec.unit)
