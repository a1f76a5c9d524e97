"""``dkst units reform``: move a server from the legacy tree to the current one (SYNC.md "Units
and the 2025 reform"), in one transaction: a kill at any point leaves it wholly on the old tree or
wholly on the new, and a second run finds the current tree and does nothing.

What moves (the rules: :mod:`shared_schema.reform_moves`):
- every record (tombstones too) takes the new unit of its old one, keeps the old code in the
  server's field ``unit_before_2025``, and gets a new ``rev`` and change number, written to the
  change log as the server's change (device ``server:reform``), so devices pull it;
- what needed a choice (a split commune's default, a district's records placed in the province,
  a code merged before the reform, an ``--assign``) is listed in ``reform_choices`` for staff to
  check, and to correct from the web (:func:`correct`);
- users are bound to what their units became, never at a higher level;
- plans and commune reports lie on the new units and keep their old ones, shown by the old names;
- the report facts and tallies are rebuilt, and the units are those of the current tree.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection

from server import store
from server.clock import iso
from server.db.engine import lock_change_log
from server.services.relocate import REFORM_DEVICE, Relocation
from server.services.units import import_units, server_tree
from shared_schema.hlc import Clock
from shared_schema.reform import load_reform
from shared_schema.reform_moves import UnitMove, area_overrides, bind_user_units, unit_moves
from shared_schema.units import load_units

__all__ = ["REFORM_DEVICE", "ReformResult", "reform"]

# Records that a choice placed and that carry others with them: their families move with them.
_FOLLOWERS = {"model": ("residential_area",), "visit": ("model",), "evidence": ("visit", "model")}


@dataclass
class ReformResult:
    """What the reform moved (or, on a dry run, would move)."""

    done: bool = False  # False: the server was not on the legacy tree, nothing was done
    tree: str | None = None
    records: int = 0
    moves: Counter[tuple[str, str]] = field(default_factory=Counter)
    choices: list[dict[str, Any]] = field(default_factory=list)
    users: list[tuple[str, str, list[str], list[str]]] = field(default_factory=list)
    plans: int = 0
    reports: int = 0
    units: int = 0
    seconds: float = 0.0


def _root(entity: str, fields: dict[str, Any]) -> bool:
    """A record that others follow rather than one that follows another (its area or model)."""
    return not any(isinstance(fields.get(f), str) for f in _FOLLOWERS.get(entity, ()))


def reform(
    conn: Connection,
    *,
    assigned: dict[str, str] | None = None,
    batch: int = 5000,
    progress: Callable[[str], Any] | None = None,
) -> ReformResult:
    """Move the server to the current tree in the caller's transaction (roll it back for a dry
    run). ``UnplacedUnitsError`` before anything is written when a unit has no successor.
    ``progress`` hears each step (a batch of records moved, the units replaced)."""
    started = time.perf_counter()
    tree = server_tree(conn)
    if tree != "legacy":
        return ReformResult(done=False, tree=tree)
    lock_change_log(conn)
    store.facts.catch_up(conn)  # the facts of every push answered before, then moved with them
    mapping = load_reform()
    legacy = store.units.all_units(conn)
    moves = unit_moves(
        mapping,
        [(u["code"], u["level"], u["parent"]) for u in legacy],
        assigned=assigned,
        names={u["code"]: u["name"] for u in legacy},
    )
    result = ReformResult(done=True, tree="current")
    stamp = iso()
    hlc = str(Clock(REFORM_DEVICE).now())

    # Units first kept, so plans and reports read the old names afterwards.
    store.reform.keep_legacy_units(
        conn,
        [
            {
                **{k: u[k] for k in ("code", "name", "level", "parent")},
                "became": moves[u["code"]].new,
            }
            for u in legacy
        ],
    )
    split = [c for c, m in moves.items() if m.by == "default" and mapping.became(c).areas]
    overrides: dict[str, str] = {}
    if split:
        family = [
            (r.record_id, r.entity, r.unit, orjson.loads(r.fields))
            for part in store.reform.record_batches(conn, in_units=split)
            for r in part
        ]
        overrides = area_overrides(mapping, moves, family)

    seq = store.changes.next_seq(conn)
    for rows in store.reform.record_batches(conn, batch):
        seq = _move_batch(conn, rows, moves, overrides, result, hlc=hlc, stamp=stamp, seq=seq)
        if progress is not None:
            progress(f"{result.records} records")
    store.reform.follow_evidence_files(conn)
    _rebind_users(conn, mapping, moves, result)
    _mark_plans(conn, moves, result)

    if progress is not None:
        progress("units")
    store.reform.clear_units(conn)
    provinces = _new_provinces(mapping, legacy, moves)
    for province in provinces:
        result.units += import_units(conn, source="current", under=province)
    store.reform.set_reformed_at(conn, stamp)
    if overrides:  # a unit's records went to several new ones: count them again
        store.facts.rebuild(conn)
    else:  # every unit's records went whole: its facts and sums move with them
        store.reform.remap_facts(conn, {code: m.new for code, m in moves.items()})
        store.facts.set_applied_seq(conn, seq - 1)  # the moves' changes: facts already moved
    result.seconds = time.perf_counter() - started
    return result


def _new_provinces(
    mapping: Any, legacy: list[dict[str, Any]], moves: dict[str, UnitMove]
) -> list[str]:
    """The provinces of the current tree that the server's units went to."""
    of_commune = mapping.new_codes()
    current = load_units("current")
    out = {mapping.new_province(u["code"]) for u in legacy if u["level"] == "province"}
    for move in moves.values():
        for code in (move.new, *move.parts):
            if code in of_commune:
                out.add(of_commune[code])
            elif code in current and current[code].level == "province":
                out.add(code)
    return sorted(out)


def _move_batch(
    conn: Connection,
    rows: list[Any],
    moves: dict[str, UnitMove],
    overrides: dict[str, str],
    result: ReformResult,
    *,
    hlc: str,
    stamp: str,
    seq: int,
) -> int:
    moving = Relocation(hlc, stamp, seq)
    before: list[tuple[str, str]] = []
    choices: list[dict[str, Any]] = []
    for r in rows:
        move = moves.get(r.unit)
        if move is None:
            continue
        new = overrides.get(r.record_id, move.new)
        fields = moving.move(r, new, r.unit)
        before.append((r.record_id, r.unit))
        result.records += 1
        result.moves[(r.unit, new)] += 1
        if move.choice and _root(r.entity, fields):
            by = "area" if r.record_id in overrides else move.by
            choices.append(
                {
                    "record_id": r.record_id,
                    "entity": r.entity,
                    "unit_before_2025": r.unit,
                    "unit": new,
                    "by": by,
                    "reasons": orjson.dumps(list(move.reasons)).decode(),
                    "parts": orjson.dumps(list(move.parts)).decode(),
                }
            )
    moving.write(conn)
    store.reform.note_records_before(conn, before)
    store.reform.note_choices(conn, choices)
    result.choices.extend(choices)
    return moving.seq


def _rebind_users(
    conn: Connection, mapping: Any, moves: dict[str, UnitMove], result: ReformResult
) -> None:
    levels = {u["code"]: u["level"] for u in store.units.all_units(conn)}

    bound: dict[int, list[str]] = {}
    names = store.users.names_by_id(conn)
    for uid, codes in store.reform.user_bindings(conn).items():
        new = bind_user_units(mapping, [(c, levels.get(c, "commune")) for c in codes], moves)
        bound[uid] = new
        result.users.append((names.get(uid, str(uid)), "", codes, new))
    store.reform.rebind_users(conn, bound)


def _mark_plans(conn: Connection, moves: dict[str, UnitMove], result: ReformResult) -> None:
    """A district's plan goes to the new province (every commune its communes became sees it,
    as a plan of an ancestor; its report list keeps the district's old communes); any other plan,
    and every commune report, to what its unit became."""
    province_of = load_reform().new_codes()

    def plan_unit(old: str) -> str:
        move = moves[old]
        return province_of.get(move.new, move.new) if move.by == "seat" else move.new

    plans = [
        (pid, old, plan_unit(old)) for pid, old in store.reform.plan_units(conn) if old in moves
    ]
    reports = [
        (rid, old, moves[old].new) for rid, old in store.reform.report_units(conn) if old in moves
    ]
    store.reform.mark_plans(conn, plans)
    store.reform.mark_reports(conn, reports)
    result.plans, result.reports = len(plans), len(reports)
