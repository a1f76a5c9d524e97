"""Records pulled from the server, upserted under the device's own layers (SYNC.md "Pull").

A page is one statement for the rows the device holds no local work on (on a first sync, all of
them); a record with an unsent change or a draft has its view composed again, so a pull never
hides what the officer has not sent (:mod:`mobile.core.record_view`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mobile.core.clock import DeviceClock, utc_now
from mobile.core.record_view import dumps, recompute, searchable
from mobile.core.store import Store
from mobile.core.store import records as stored
from shared_schema.isotime import parse_ms

__all__ = ["apply_pulled"]


def apply_pulled(store: Store, clock: DeviceClock, records: list[Mapping[str, Any]]) -> None:
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
    layered = stored.with_local_layers(store, list(latest))
    now = utc_now()
    plain: list[tuple[Any, ...]] = []
    for rid, rec in latest.items():
        fields = rec.get("fields") or {}
        deleted = bool(rec.get("deleted"))
        title, key = searchable(fields)
        version = fields.get("form_version")
        text = dumps(fields)
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
    stored.upsert_pulled(store, plain)
    for rid in layered:
        recompute(store, rid)
    newest = max((str(r.get("updated_at") or "") for r in records), default="")
    if newest:
        ms = parse_ms(newest)
        if ms is not None:
            clock.observe_record_time(ms)
