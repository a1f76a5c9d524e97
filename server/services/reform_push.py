"""A device offline across the 2025 reform loses nothing (SYNC.md "Units and the 2025 reform"): a
change whose HLC is before the move and that names a legacy unit code lands on what that unit
became.

- An edit of a record the reform moved, naming its old code, names the record's new unit.
- A create names the unit of the record it belongs to when that one is on the server already (its
  residential area, model or visit: the reform placed it, a split commune's choice included), else
  the unit its old unit became by default; it keeps the old code in ``unit_before_2025``, and a
  default choice of a split commune is listed for staff as the reform's own are.

Before the move every code means a legacy unit, even one the current tree reuses (24646 was Xã
Ea Pô): the HLC decides, not the code.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection

from server import store
from shared_schema.hlc import HLCError, parse_hlc
from shared_schema.isotime import parse_ms
from shared_schema.merge import Change
from shared_schema.reform import load_reform

__all__ = ["note_placed", "translate_legacy_units"]

_PARENTS = ("residential_area", "model", "visit")


def _before(change: Change, moved_ms: int) -> bool:
    try:
        return parse_hlc(change.hlc).ms < moved_ms
    except HLCError:
        return False


def translate_legacy_units(
    conn: Connection, changes: list[Change], recs: dict[str, Any]
) -> dict[str, str]:
    """Rewrite, in place, the ``unit`` of pre-reform changes naming legacy codes; ``record_id →
    old code`` of the creates so placed (their ``unit_before_2025``). A server never reformed: {}."""
    moved_at = store.reform.reformed_at(conn)
    if moved_at is None:
        return {}
    moved_ms = parse_ms(moved_at)
    old = [
        c
        for c in changes
        if isinstance(c.fields.get("unit"), str) and moved_ms is not None and _before(c, moved_ms)
    ]
    if not old:
        return {}
    legacy = store.reform.legacy_names(conn, {c.fields["unit"] for c in old})
    parents = {
        v for c in old for k in _PARENTS if isinstance(v := c.fields.get(k), str)
    } - recs.keys()
    parent_rows = (
        {r.record_id: r for r in store.records.full_rows(conn, parents)} if parents else {}
    )
    created: dict[str, str] = {}
    for c in old:
        code = c.fields["unit"]
        rec = recs.get(c.record_id)
        if rec is not None:
            if rec.state.fields.get("unit_before_2025") == code and rec.unit is not None:
                c.fields["unit"] = rec.unit
            continue
        unit = legacy.get(code)
        if unit is None or unit["became"] is None:
            continue  # not a legacy unit of this server: checked as any other code
        new = unit["became"]
        for k in _PARENTS:
            ref = c.fields.get(k)
            if not isinstance(ref, str):
                continue
            parent = recs.get(ref)
            p_unit = (
                parent.unit if parent is not None else getattr(parent_rows.get(ref), "unit", None)
            )
            if p_unit is not None:
                new = p_unit
                break
        c.fields["unit"] = new  # unit_before_2025 is the push's to add, past the form's checks
        created[c.record_id] = code
    return created


def note_placed(conn: Connection, created: dict[str, str], recs: dict[str, Any]) -> None:
    """Keep the old unit of the pre-reform creates this push wrote (``created``, from
    :func:`translate_legacy_units`), and list a split commune's default for staff to check."""
    written = {rid: old for rid, old in created.items() if rid in recs}
    if not written:
        return
    store.reform.note_records_before(conn, sorted(written.items()))
    mapping = load_reform()
    choices = []
    for rid, old in sorted(written.items()):
        rec = recs[rid]
        try:
            outcome = mapping.became(old)
        except KeyError:
            continue
        fields = rec.state.fields
        if not outcome.reasons or any(isinstance(fields.get(k), str) for k in _PARENTS):
            continue  # it followed its parent, or no choice was needed
        choices.append(
            {
                "record_id": rid,
                "entity": rec.state.entity,
                "unit_before_2025": old,
                "unit": rec.unit,
                "by": "default",
                "reasons": orjson.dumps(list(outcome.reasons)).decode(),
                "parts": orjson.dumps(list(outcome.parts)).decode(),
            }
        )
    store.reform.note_choices(conn, choices)
