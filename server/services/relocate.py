"""Moving records to another unit as the server's own change: the 2025 reform
(``server/services/reform.py``) and the staff's corrections of its choices
(``server/services/reform_checks.py``). A push cannot move a record (``unit`` is fixed once the
record exists), so the server does it: each record gets the new ``unit``, keeps its old code in
``unit_before_2025``, a new ``rev`` and change number, and a change-log row from the device
``server:reform``, so that devices pull it. The caller holds the change-log lock.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection

from server import store

__all__ = ["REFORM_DEVICE", "Relocation"]

REFORM_DEVICE = "server:reform"


@dataclass
class Relocation:
    """The records' new state and their change-log rows, written together by :meth:`write`."""

    hlc: str
    stamp: str
    seq: int
    updates: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)

    def move(self, r: Any, new: str, before: str | None) -> dict[str, Any]:
        """Move the record row ``r`` (``record_id, entity, unit, fields, meta, rev``) to ``new``,
        its ``unit_before_2025`` set to ``before`` (None: left as it is); its new fields."""
        fields = orjson.loads(r.fields)
        meta = orjson.loads(r.meta)
        rev = r.rev + 1
        moved: dict[str, Any] = {"unit": new}
        if before is not None:
            moved["unit_before_2025"] = before
        fields.update(moved)
        for k in moved:
            meta[k] = [self.hlc, rev]
        self.updates.append(
            {
                "record_id": r.record_id,
                "unit": new,
                "fields": orjson.dumps(fields).decode(),
                "meta": orjson.dumps(meta).decode(),
                "rev": rev,
                "seq": self.seq,
                "updated_at": self.stamp,
            }
        )
        body = orjson.dumps(moved)
        self.changes.append(
            {
                "seq": self.seq,
                "change_id": str(uuid.uuid4()),
                "content_hash": hashlib.sha256(r.record_id.encode() + body).hexdigest(),
                "record_id": r.record_id,
                "entity": r.entity,
                "op": "upsert",
                "base_rev": r.rev,
                "hlc": self.hlc,
                "fields": body.decode(),
                "device_id": REFORM_DEVICE,
                "user_id": None,
                "status": "applied",
                "rev": rev,
                "conflicts": "[]",
                "received_at": self.stamp,
            }
        )
        self.seq += 1
        return fields

    def write(self, conn: Connection) -> None:
        """Write the moves made so far and start afresh (the change numbers go on)."""
        store.reform.move_records(conn, self.updates)
        store.changes.append(conn, self.changes)
        self.updates, self.changes = [], []
