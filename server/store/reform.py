"""The 2025 reform's statements (``server/services/reform.py``): the legacy units kept, records read
in batches and moved, users rebound, plans and reports marked, what needed a choice listed.

Every function runs inside the caller's one transaction: the reform is all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update

from server.db.schema import (
    evidence_files,
    period_tallies,
    plan_reports,
    plan_units_before_2025,
    plans,
    record_facts,
    record_units_before_2025,
    records,
    reform_choices,
    report_units_before_2025,
    server_meta,
    unit_closure,
    unit_tallies,
    units,
    units_before_2025,
    user_units,
)
from server.store import records as records_store
from server.store.driver import chunks, insert_rows
from server.store.units import in_scope_of

__all__ = [
    "before_of",
    "check_choices",
    "choice",
    "choices_in_scope",
    "clear_units",
    "count_choices",
    "district_parts",
    "family_of",
    "follow_evidence_files",
    "has_choices",
    "keep_legacy_units",
    "legacy_names",
    "mark_plans",
    "mark_reports",
    "move_records",
    "note_choices",
    "note_records_before",
    "open_choices",
    "plan_units",
    "rebind_users",
    "record_batches",
    "reformed_at",
    "remap_facts",
    "report_units",
    "set_reformed_at",
    "user_bindings",
]


# ---------------------------------------------------------------------------- units
def keep_legacy_units(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    insert_rows(conn, units_before_2025, [dict(r) for r in rows])


def clear_units(conn: Connection) -> None:
    """Empty ``units`` and its closure (the reform then imports the current tree)."""
    conn.execute(delete(unit_closure))
    conn.execute(delete(units))


def legacy_names(conn: Connection, codes: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """``code → {"name", "level", "parent", "became"}`` of the legacy units the reform kept."""
    q = select(units_before_2025)
    out: dict[str, dict[str, Any]] = {}
    if codes is None:
        return {r.code: dict(r._mapping) for r in conn.execute(q)}
    for part in chunks(codes):
        out.update(
            {
                r.code: dict(r._mapping)
                for r in conn.execute(q.where(units_before_2025.c.code.in_(part)))
            }
        )
    return out


def reformed_at(conn: Connection) -> str | None:
    """When the server moved to the current tree (ISO time), None if it never did."""
    q = select(server_meta.c.value).where(server_meta.c.key == "reformed_at")
    return conn.execute(q).scalar()


def set_reformed_at(conn: Connection, at: str) -> None:
    conn.execute(delete(server_meta).where(server_meta.c.key == "reformed_at"))
    conn.execute(insert(server_meta).values(key="reformed_at", value=at))


# ---------------------------------------------------------------------------- records
def record_batches(
    conn: Connection, batch: int = 5000, *, in_units: Iterable[str] | None = None
) -> Iterator[list[Any]]:
    """Every record with a unit (tombstones included), by record id, ``batch`` at a time; or only
    those of ``in_units``."""
    cols = (
        records.c.record_id,
        records.c.entity,
        records.c.unit,
        records.c.fields,
        records.c.meta,
        records.c.rev,
    )
    if in_units is not None:
        for part in chunks(in_units):
            q = select(*cols).where(records.c.unit.in_(part)).order_by(records.c.record_id)
            yield list(conn.execute(q))
        return
    after = ""
    while True:
        q = (
            select(*cols)
            .where(records.c.unit.is_not(None), records.c.record_id > after)
            .order_by(records.c.record_id)
            .limit(batch)
        )
        rows = list(conn.execute(q))
        if not rows:
            return
        yield rows
        after = rows[-1].record_id


def move_records(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Rows ``{record_id, unit, fields, meta, rev, seq, updated_at}``: the records' new state."""
    records_store.update_by_id(conn, rows, ("unit", "fields", "meta", "rev", "seq", "updated_at"))


def follow_evidence_files(conn: Connection, record_ids: Sequence[str] | None = None) -> None:
    """An evidence file's unit follows its record's (who may see the file): every file's, or
    those of ``record_ids``."""
    unit_of = (
        select(records.c.unit)
        .where(records.c.record_id == evidence_files.c.record_id)
        .scalar_subquery()
    )
    if record_ids is None:
        conn.execute(update(evidence_files).values(unit=unit_of))
        return
    for part in chunks(record_ids):
        where = evidence_files.c.record_id.in_(part)
        conn.execute(update(evidence_files).where(where).values(unit=unit_of))


def family_of(conn: Connection, record_id: str) -> list[str]:
    """The records that follow ``record_id`` to another unit, from the report facts: a
    residential area's models, a model's visits, the evidence of a model or of its visits."""
    f = record_facts
    found: list[str] = []
    seen = {record_id}
    frontier = [record_id]
    for _ in range(3):  # area → model → visit → evidence
        named: list[str] = []
        for part in chunks(frontier):
            q = select(f.c.record_id).where(
                or_(f.c.area.in_(part), f.c.model.in_(part), f.c.visit.in_(part))
            )
            named += conn.execute(q).scalars()
        frontier = sorted({rid for rid in named if rid not in seen})
        if not frontier:
            break
        seen.update(frontier)
        found += frontier
    return sorted(found)


def note_records_before(conn: Connection, pairs: Sequence[tuple[str, str]]) -> None:
    """``(record_id, old unit)`` of records placed off a legacy unit (the old grouping)."""
    insert_rows(
        conn,
        record_units_before_2025,
        [{"record_id": rid, "unit_before_2025": old} for rid, old in pairs],
    )


# ---------------------------------------------------------------------------- choices
def note_choices(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    insert_rows(conn, reform_choices, [dict(r) for r in rows])


def _scoped(roots: Sequence[str], or_before: Sequence[str]) -> Any:
    c = reform_choices.c
    in_scope = c.unit.in_(in_scope_of(roots))
    return or_(in_scope, c.unit_before_2025.in_(list(or_before))) if or_before else in_scope


def choices_in_scope(
    conn: Connection,
    roots: Sequence[str],
    *,
    or_before: Sequence[str] = (),
    open_only: bool = False,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """What needed a choice, on units under ``roots`` (or whose old unit is one of
    ``or_before``), unchecked first."""
    q = select(reform_choices).where(_scoped(roots, or_before))
    if open_only:
        q = q.where(reform_choices.c.checked_at.is_(None))
    q = q.order_by(
        reform_choices.c.checked_at.is_not(None),
        reform_choices.c.unit_before_2025,
        reform_choices.c.record_id,
    ).limit(limit)
    out = []
    for r in conn.execute(q):
        m = dict(r._mapping)
        m["reasons"], m["parts"] = orjson.loads(m["reasons"]), orjson.loads(m["parts"])
        out.append(m)
    return out


def open_choices(conn: Connection, roots: Sequence[str], or_before: Sequence[str] = ()) -> int:
    """How many choices in scope (as :func:`choices_in_scope`) are still to check."""
    q = select(func.count()).where(_scoped(roots, or_before), reform_choices.c.checked_at.is_(None))
    return int(conn.execute(q).scalar_one())


def has_choices(conn: Connection) -> bool:
    """Whether the reform listed anything for staff (a cheap test before any scoped count)."""
    return conn.execute(select(reform_choices.c.record_id).limit(1)).first() is not None


def district_parts(conn: Connection) -> dict[str, set[str]]:
    """``old district → the new units its communes became`` (by default), for the districts
    whose records were listed for staff."""
    d, kid = units_before_2025, units_before_2025.alias("kid")
    listed = select(reform_choices.c.unit_before_2025).distinct()
    q = (
        select(d.c.code, kid.c.became)
        .join(kid, kid.c.parent == d.c.code)
        .where(d.c.level == "district", d.c.code.in_(listed), kid.c.became.is_not(None))
    )
    out: dict[str, set[str]] = {}
    for code, became in conn.execute(q):
        out.setdefault(code, set()).add(became)
    return out


def before_of(conn: Connection, record_ids: Iterable[str]) -> dict[str, str]:
    """``record_id → its unit before the reform`` of those the reform (or a push) placed."""
    t = record_units_before_2025
    out: dict[str, str] = {}
    for part in chunks(record_ids):
        q = select(t.c.record_id, t.c.unit_before_2025).where(t.c.record_id.in_(part))
        out.update({r.record_id: r.unit_before_2025 for r in conn.execute(q)})
    return out


def choice(conn: Connection, record_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(reform_choices).where(reform_choices.c.record_id == record_id)
    ).first()
    if row is None:
        return None
    m = dict(row._mapping)
    m["reasons"], m["parts"] = orjson.loads(m["reasons"]), orjson.loads(m["parts"])
    return m


def check_choices(
    conn: Connection, record_ids: Sequence[str], unit: str, *, by: str, at: str
) -> None:
    for part in chunks(record_ids):
        conn.execute(
            update(reform_choices)
            .where(reform_choices.c.record_id.in_(part))
            .values(unit=unit, checked_by=by, checked_at=at)
        )


def count_choices(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(reform_choices)).scalar_one())


# ---------------------------------------------------------------------------- users
def user_bindings(conn: Connection) -> dict[int, list[str]]:
    """``user_id → [unit codes]`` of every user."""
    out: dict[int, list[str]] = {}
    for r in conn.execute(
        select(user_units.c.user_id, user_units.c.unit).order_by(user_units.c.unit)
    ):
        out.setdefault(r.user_id, []).append(r.unit)
    return out


def rebind_users(conn: Connection, bound: Mapping[int, Sequence[str]]) -> None:
    """Replace every user's units by ``bound[user_id]``."""
    conn.execute(delete(user_units).where(user_units.c.user_id.in_(list(bound))))
    insert_rows(
        conn,
        user_units,
        [{"user_id": uid, "unit": code} for uid, codes in bound.items() for code in codes],
    )


# ---------------------------------------------------------------------------- plans and reports
def plan_units(conn: Connection) -> list[tuple[str, str]]:
    return [(r.plan_id, r.unit) for r in conn.execute(select(plans.c.plan_id, plans.c.unit))]


def report_units(conn: Connection) -> list[tuple[str, str]]:
    q = select(plan_reports.c.report_id, plan_reports.c.unit)
    return [(r.report_id, r.unit) for r in conn.execute(q)]


def mark_plans(conn: Connection, moved: Sequence[tuple[str, str, str]]) -> None:
    """``(plan_id, old unit, new unit)``: the plan now lies on the new unit and keeps its old one."""
    if not moved:
        return
    conn.execute(
        update(plans).where(plans.c.plan_id == bindparam("b_id")).values(unit=bindparam("new")),
        [{"b_id": pid, "new": new} for pid, _old, new in moved],
    )
    insert_rows(
        conn,
        plan_units_before_2025,
        [{"plan_id": pid, "unit_before_2025": old} for pid, old, _new in moved],
    )


def mark_reports(conn: Connection, moved: Sequence[tuple[str, str, str]]) -> None:
    """``(report_id, old commune, new commune)``, as :func:`mark_plans`."""
    if not moved:
        return
    conn.execute(
        update(plan_reports)
        .where(plan_reports.c.report_id == bindparam("b_id"))
        .values(unit=bindparam("new")),
        [{"b_id": rid, "new": new} for rid, _old, new in moved],
    )
    insert_rows(
        conn,
        report_units_before_2025,
        [{"report_id": rid, "unit_before_2025": old} for rid, old, _new in moved],
    )


# ---------------------------------------------------------------------------- facts and tallies
def remap_facts(conn: Connection, new_of: Mapping[str, str]) -> None:
    """Move the report facts and the tallies of each old unit to its new one (``old → new``), for
    a reform that moved every record of a unit to the same new unit. The two trees' codes overlap
    (24646 was Xã Ea Pô, is Xã Đắk Wil), so the facts pass through a marked code first, and the
    tallies of old units that became one are added up."""
    if not new_of:
        return
    stmt = (
        update(record_facts)
        .where(record_facts.c.unit == bindparam("b_old"))
        .values(unit=bindparam("marked"))
    )
    conn.execute(stmt, [{"b_old": o, "marked": "~" + n} for o, n in new_of.items()])
    conn.execute(
        update(record_facts)
        .where(record_facts.c.unit.like("~%"))
        .values(unit=func.substr(record_facts.c.unit, 2))
    )
    for table in (unit_tallies, period_tallies):
        keys = [c for c in table.primary_key.columns if c.name != "unit"]
        sums: dict[tuple[Any, ...], int] = {}
        for r in conn.execute(select(table)):
            k = (new_of.get(r.unit, r.unit), *(getattr(r, c.name) for c in keys))
            sums[k] = sums.get(k, 0) + int(r.n)
        conn.execute(delete(table))
        names = ["unit", *(c.name for c in keys)]
        insert_rows(
            conn, table, [{**dict(zip(names, k, strict=True)), "n": n} for k, n in sums.items()]
        )
