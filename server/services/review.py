"""A reviewer's decisions as changes (SYNC.md "Review"): approve or return a record, resolve a
conflict. Each is pushed through ``push.push`` from the reviewer's device (``web:<username>`` for
the staff pages) with an HLC from the server's clock, so the officer's device pulls it like any
other change and a concurrent edit merges by the same rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import orjson

from server import store
from server.clock import iso
from server.config import ServerSettings
from server.errors import ServerError
from server.services import push as push_service
from server.services.auth import REVIEWER_ROLES, Principal
from server.services.record_page import visible_record
from shared_schema.errors import ErrorCode
from shared_schema.forms import load_default_forms
from shared_schema.hlc import Clock, HLCError, parse_hlc
from shared_schema.text import nfc

DECISIONS = ("approved", "returned")
_clocks: dict[str, Clock] = {}


def server_hlc(device_id: str, seen: Iterable[str] = ()) -> str:
    """An HLC from the server's clock for ``device_id``, later than every one of ``seen``.

    The clock increases within this process only; ``seen`` (the HLCs the record holds, read in
    the write transaction) makes it later than whatever another API process or host, or a device
    whose clock runs ahead, wrote to the record before (issue 21: nothing that matters is
    process-local).
    """
    clock = _clocks.get(device_id)
    if clock is None:
        clock = _clocks.setdefault(device_id, Clock(device_id))
    for hlc in seen:
        try:
            clock.receive(parse_hlc(hlc))
        except HLCError:
            continue
    return str(clock.now())


def _require_reviewer(who: Principal) -> None:
    if who.role not in REVIEWER_ROLES:
        raise ServerError(ErrorCode.FORBIDDEN)


def _push_one(
    conn: Any, settings: ServerSettings, who: Principal, row: Any, fields: dict[str, Any], lang: str
) -> dict[str, Any]:
    change = {
        "change_id": str(uuid.uuid4()),
        "entity": row.entity,
        "record_id": row.record_id,
        "op": "upsert",
        "base_rev": row.rev,
        "hlc": server_hlc(who.device_id, store.records.hlcs(conn, row.record_id)),
        "fields": fields,
    }
    result = push_service.push(conn, settings, who, [change], lang=lang)[0]
    # The queues read the review state from the facts: the page after a decision shows it.
    store.facts.catch_up(conn)
    return result


def decide(
    conn: Any,
    settings: ServerSettings,
    who: Principal,
    record_id: str,
    *,
    decision: str,
    comment: str,
    lang: str = "vi",
) -> dict[str, Any]:
    """Approve or return a record; a return needs a reason. The push result of the change."""
    _require_reviewer(who)
    row = visible_record(conn, who, record_id)
    comment = nfc(comment).strip()
    if decision not in DECISIONS:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"field": "review_state"})
    if decision == "returned" and not comment:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"field": "review_comment"})
    fields = {"review_state": decision, "review_comment": comment}
    return _push_one(conn, settings, who, row, fields, lang)


def _typed(row: Any, field: str, text: str) -> Any:
    """A value typed in a page, as the field's type wants it (the push checks it further)."""
    fields = orjson.loads(row.fields)
    form = load_default_forms().get(fields.get("form_id", ""), fields.get("form_version", 0))
    fdef = form.field(field) if form else None
    text = nfc(text).strip()
    kind = fdef.type if fdef else "text"
    try:
        if kind == "integer":
            return int(text)
        if kind == "decimal":
            return float(text.replace(",", "."))
    except ValueError:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"field": field}) from None
    if kind in ("select_multiple", "geopoint"):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            raise ServerError(ErrorCode.INVALID_REQUEST, {"field": field}) from None
    return text


def resolve(
    conn: Any,
    settings: ServerSettings,
    who: Principal,
    record_id: str,
    *,
    field: str,
    choice: str,
    edited: str = "",
    lang: str = "vi",
) -> dict[str, Any]:
    """Resolve a conflict on ``field``: keep the value, take the overwritten one, or an edit."""
    _require_reviewer(who)
    row = visible_record(conn, who, record_id)
    open_ = [c for c in store.conflicts.open_for(conn, row.record_id) if c.field == field]
    if not open_:
        raise ServerError(ErrorCode.NOT_FOUND)
    latest = open_[-1]
    if choice == "kept":
        value = orjson.loads(latest.winning_value)
    elif choice == "losing":
        value = orjson.loads(latest.losing_value)
    elif choice == "edit":
        value = _typed(row, field, edited)
    else:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"field": "choice"})
    result = _push_one(conn, settings, who, row, {field: value}, lang)
    if result["status"] in ("applied", "conflict"):
        store.conflicts.resolve(conn, row.record_id, field, user_id=who.user_id, at=iso())
    return result
