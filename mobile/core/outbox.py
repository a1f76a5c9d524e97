"""The outbox: changes saved on the device and not yet known to be on the server.

A row is marked ``sent`` only when the server's result for it has been read, in the same
transaction as the rest of that batch's results. A sync cut before that resends the row; the
server answers ``duplicate`` (same ``change_id``), so nothing is applied twice and nothing is lost.

Rejected rows stay, with the server's codes and messages, and are not sent again until the officer
edits the record (the fix supersedes them) or discards them. Two rejection codes say nothing about
the officer's answers but about the device, and are fixed here without them: ``clock_skew`` and
``device_mismatch`` rows get a new HLC (and a new ``change_id``, so the server never sees one id
with two contents) and go back to pending — see ``mobile.core.clock``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from mobile.core.clock import DeviceClock, utc_now
from mobile.core.store import Store
from mobile.core.store import conflicts as stored_conflicts
from mobile.core.store import outbox as stored
from mobile.core.store import records as stored_records
from shared_schema.errors import ChangeErrorCode
from shared_schema.hlc import parse_hlc
from shared_schema.merge import canonical

__all__ = ["AUTO_RESTAMP", "Outbox", "OutboxCounts", "RejectedChange"]

# Rejections caused by the device's clock or identity, not by the officer's answers.
AUTO_RESTAMP = frozenset({ChangeErrorCode.CLOCK_SKEW, ChangeErrorCode.DEVICE_MISMATCH})


@dataclass
class OutboxCounts:
    pending: int
    sent: int
    rejected: int
    conflicts: int


@dataclass
class RejectedChange:
    change_id: str
    entity: str
    record_id: str
    op: str
    fields: dict[str, Any]
    errors: list[dict[str, Any]]
    attempts: int


class Outbox:
    def __init__(self, store: Store, clock: DeviceClock) -> None:
        self.store = store
        self.clock = clock

    def next_batch(self, limit: int, after: int = 0) -> list[dict[str, Any]]:
        """The oldest pending changes (saved after ``seq`` ``after``) in SYNC.md's wire form, with
        their ``seq`` and their fields as the JSON text stored at the save (``fields_json``)."""
        return [
            {
                "seq": r[0],
                "change": {
                    "change_id": r[1],
                    "entity": r[2],
                    "record_id": r[3],
                    "op": r[4],
                    "base_rev": r[5],
                    "hlc": r[6],
                    "fields": json.loads(r[7]),
                },
                "fields_json": r[7],
            }
            for r in stored.pending(self.store, limit, after)
        ]

    def push_body(self, device_id: str, batch: list[dict[str, Any]]) -> bytes:
        """``POST /sync/push``'s body for ``batch``, the fields spliced in as stored (they were
        written by ``json.dumps`` at the save): serializing 2 KB of fields again per change was
        a tenth of the device's push time."""
        changes = []
        for item in batch:
            head = {k: v for k, v in item["change"].items() if k != "fields"}
            text = json.dumps(head, ensure_ascii=False, separators=(",", ":"))
            changes.append(f'{text[:-1]},"fields":{item["fields_json"]}}}')
        device = json.dumps(device_id, ensure_ascii=False)
        return f'{{"device_id":{device},"changes":[{",".join(changes)}]}}'.encode()

    def pending_count(self) -> int:
        return stored.pending_count(self.store)

    def has_pending_edit(self) -> bool:
        """Whether a pending change edits a record the server has: one that may meet another
        device's value (a conflict) when it is pushed."""
        return stored.pending_edit(self.store)

    def note_attempt(self, seqs: list[int]) -> None:
        with self.store.transaction():
            stored.note_attempt(self.store, seqs, utc_now())

    def apply_results(
        self, batch: list[dict[str, Any]], results: list[dict[str, Any]]
    ) -> tuple[int, int]:
        """Record the server's answer for a batch; return (settled, restamped).

        Results come in the order of the changes (SYNC.md); the change_id is checked too, so a
        server bug can never mark the wrong row as sent.
        """
        if len(results) != len(batch):
            raise ValueError(f"push answered {len(results)} results for {len(batch)} changes")
        settled = 0
        to_restamp: list[int] = []
        sent: list[tuple[str, int | None, str, int]] = []
        conflicted: list[tuple[str, str, str, str | None]] = []
        accepted = ""
        now = utc_now()
        with self.store.transaction():
            for item, res in zip(batch, results, strict=True):
                change = item["change"]
                seq = item["seq"]
                rid = res.get("change_id")
                if rid is not None and str(rid).lower() != change["change_id"].lower():
                    raise ValueError(f"push result for {rid} in place of {change['change_id']}")
                status = res.get("status")
                if status in ("applied", "conflict", "duplicate"):
                    conflicts = res.get("conflicts")
                    if conflicts:
                        conflicted += self._conflict_rows(change, conflicts)
                    sent.append(
                        (
                            status if status != "duplicate" or not conflicts else "conflict",
                            res.get("rev"),
                            json.dumps(conflicts) if conflicts else "[]",
                            seq,
                        )
                    )
                    accepted = max(accepted, change["hlc"])  # HLCs order as strings
                    settled += 1
                elif status == "rejected":
                    errors = [
                        {
                            "field": e.get("field"),
                            "code": e.get("code"),
                            "message": e.get("message"),
                        }
                        for e in (res.get("errors") or [])
                    ]
                    codes = {e["code"] for e in errors}
                    stored.mark_rejected(self.store, seq, json.dumps(errors, ensure_ascii=False))
                    if codes and codes <= AUTO_RESTAMP:
                        to_restamp.append(seq)
                else:
                    raise ValueError(f"unknown push status {status!r}")
            stored.mark_sent(self.store, sent, now)
            stored_conflicts.add(self.store, conflicted)
            if accepted:
                self.clock.note_accepted(accepted)
            restamped = self._restamp(to_restamp) if to_restamp else 0
        return settled, restamped

    def _conflict_rows(
        self, change: dict[str, Any], names: list[Any]
    ) -> list[tuple[str, str, str, str | None]]:
        """The conflicts of an applied change, each with the value the server held before it as
        this device last pulled it: the other device's value, which the pull will not bring
        when this device's value won (the sync pulls before it pushes an edit for this)."""
        row = stored_records.get(self.store, change["record_id"])
        server = json.loads(row["server_fields"]) if row is not None else {}
        out = []
        for name in map(str, names):
            other: str | None = None
            # Equal to what this device sent: the pulled state already holds this change (its
            # answer was lost and it went again); the other value is not known here.
            if name in server and canonical(server[name]) != canonical(change["fields"].get(name)):
                other = json.dumps(server[name], ensure_ascii=False)
            out.append((change["change_id"], change["record_id"], name, other))
        return out

    def _restamp(self, seqs: list[int]) -> int:
        """New HLCs for the refused rows and for every pending row stamped after the first of them.

        Later pending rows carry the same bad clock; left alone they would be refused too, or
        (if within the 24 h) would beat the re-stamped ones although saved earlier.
        """
        rows = stored.restamp_candidates(self.store, seqs)
        new_hlcs = self.clock.restamp([r[1] for r in rows])
        for (seq, old), new in zip(rows, new_hlcs, strict=True):
            parse_hlc(new)
            stored.restamp(self.store, seq, hlc=new, change_id=str(uuid.uuid4()), old_hlc=old)
        return len(rows)

    def counts(self) -> OutboxCounts:
        by_state = stored.counts_by_state(self.store)
        return OutboxCounts(
            pending=by_state.get("pending", 0),
            sent=by_state.get("sent", 0),
            rejected=by_state.get("rejected", 0),
            conflicts=stored.conflict_count(self.store),
        )

    def rejected(self) -> list[RejectedChange]:
        return [
            RejectedChange(
                r["change_id"],
                r["entity"],
                r["record_id"],
                r["op"],
                json.loads(r["fields"]),
                json.loads(r["errors"] or "[]"),
                r["attempts"],
            )
            for r in stored.rejected(self.store)
        ]
