"""Where each fact counts for a plan, and the sums by date bucket that keep a plan's summary flat.

The plan period rule (:mod:`shared_schema.periods`) reads a record's own date, or for evidence its
visit's (else its model's) date; a commune's summary puts a visit or evidence under its (visit's)
model's residential area. So that no report joins facts to the facts they name, each fact keeps
its placement (``p_rule``, ``p_day``, ``p_area``), and ``period_tallies`` keeps the figures of
``unit_tallies`` again per rule and per year and month of ``p_day``.

- Writes (in the push transaction, from ``server/store/facts.py``): :func:`track` before the
  facts of written records change, :func:`settle` after. The facts placed again are the written
  ones and those that read them: the visits and evidence naming a written model, the evidence
  naming a written visit or a visit of a written model. A model moved to another residential
  area or date moves its visits and evidence with it.
- :func:`rebuild` places every fact again and recomputes ``period_tallies`` (migration 0004).
- Reads: :func:`unit_sums` (per unit of a subtree, for a plan: whole years and months from
  ``period_tallies``, the days of a month the period cuts from the facts, by the placement
  index) and :func:`area_sums` (a commune's facts summed by residential area, with or without
  a plan). Both count ``evidence.missing``: evidence whose file has not arrived, re-checked
  against ``attachments`` as ``facts.missing_under`` does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    union_all,
    update,
)

from server.db.schema import (
    attachments,
    period_tallies,
    record_facts,
    record_units_before_2025,
)
from server.store import fact_keys as keys
from server.store.driver import chunks
from server.store.fact_keys import contributions
from server.store.tally_sql import add_counts
from server.store.units import under
from shared_schema import periods as rule

__all__ = [
    "Tracked",
    "area_sums",
    "before_2025_sums",
    "cover",
    "missing",
    "place_own",
    "rebuild",
    "settle",
    "track",
    "unit_sums",
]

Period = tuple[str, str]
Bucket = tuple[str, str, str, str, str]  # unit, rule, grain, bucket, key


def _distinct(items: Iterable[str]) -> Iterator[list[str]]:
    """Distinct ``items``, sorted, in lists of ``SQL_IN_CHUNK``."""
    return chunks(sorted(set(items)))


# ---------------------------------------------------------------------------- placement
def _dependents(conn: Connection, ids: set[str]) -> set[str]:
    """The facts whose placement reads one of ``ids`` (a model's visits and evidence, a visit's
    evidence, the evidence of a model's visits)."""
    f = record_facts
    out: set[str] = set()
    visits: set[str] = set()
    for chunk in _distinct(ids):
        q = select(f.c.record_id, f.c.entity).where(or_(f.c.model.in_(chunk), f.c.visit.in_(chunk)))
        for r in conn.execute(q):
            out.add(r.record_id)
            if r.entity == "visit":
                visits.add(r.record_id)
    for chunk in _distinct(visits - ids):
        out.update(conn.execute(select(f.c.record_id).where(f.c.visit.in_(chunk))).scalars())
    return out


def _named(entity: str | None, day: str | None) -> tuple[str, dict[str, Any]] | None:
    return None if entity is None else (entity, {rule.DATE_FIELD.get(entity, ""): day})


def _placement(r: Mapping[Any, Any]) -> tuple[str | None, str | None, str | None]:
    """(p_rule, p_day, p_area) of a fact row joined to the visit ``v_*`` and model ``m_*`` it
    names (the model: the visit's, else its own). A fact that places itself (:func:`place_own`)
    needs no ``v_*`` or ``m_*``."""
    entity = r["entity"]
    fields: dict[str, Any] = {rule.DATE_FIELD.get(entity, ""): r["day"]}
    if entity == "evidence":
        # An evidence fact's ``model`` holds the parent it names other than a visit (a model, an
        # initiative or an activity): the field named after what that record turns out to be.
        fields = {"visit": r["visit"]} if r["visit"] else {r["m_entity"] or "model": r["model"]}

    def named(ref: str) -> tuple[str, dict[str, Any]] | None:
        if ref == r["visit"]:
            return _named(r["v_entity"], r["v_day"])
        return _named(r["m_entity"], r["m_day"]) if ref == r["model"] else None

    p_rule, p_day = rule.place(entity, fields, named)
    area = r["area"] if entity == "model" else r["m_area"] if entity in _READS_OTHERS else None
    return p_rule, p_day, area


# A visit's residential area is its model's; evidence goes by its visit or model: their
# placement reads other facts. Every other fact places itself.
_READS_OTHERS = frozenset({"visit", "evidence"})


def place_own(facts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set the placement of the facts that need no other fact's, before they are inserted;
    those facts. :func:`settle` then takes them as placed."""
    placed = []
    for f in facts:
        if f["entity"] not in _READS_OTHERS:
            f["p_rule"], f["p_day"], f["p_area"] = _placement(f)
            placed.append(f)
    return placed


def _place(conn: Connection, ids: Iterable[str]) -> list[dict[str, Any]]:
    """Place the facts ``ids`` again (those that still exist); their rows with the placement."""
    f, v, m = record_facts, record_facts.alias("v"), record_facts.alias("m")
    named = [
        v.c.entity.label("v_entity"),
        v.c.day.label("v_day"),
        m.c.entity.label("m_entity"),
        m.c.day.label("m_day"),
        m.c.area.label("m_area"),
    ]
    joined = f.outerjoin(v, v.c.record_id == f.c.visit).outerjoin(
        m, m.c.record_id == func.coalesce(v.c.model, f.c.model)
    )
    out: list[dict[str, Any]] = []
    for chunk in _distinct(ids):
        changed = []
        q = select(f, *named).select_from(joined).where(f.c.record_id.in_(chunk))
        for r in conn.execute(q):
            row = {c.name: getattr(r, c.name) for c in f.columns}
            placed = _placement(r._mapping)
            if placed != (row["p_rule"], row["p_day"], row["p_area"]):
                changed.append(dict(rid=r.record_id, pr=placed[0], pd=placed[1], pa=placed[2]))
            row["p_rule"], row["p_day"], row["p_area"] = placed
            out.append(row)
        if changed:
            stmt = (
                update(f)
                .where(f.c.record_id == bindparam("rid"))
                .values(p_rule=bindparam("pr"), p_day=bindparam("pd"), p_area=bindparam("pa"))
            )
            conn.execute(stmt, changed)
    return out


def _buckets(rows: Iterable[Mapping[str, Any]]) -> dict[Bucket, int]:
    """What placed facts add to ``period_tallies``: each key in its year and in its month."""
    out: dict[Bucket, int] = defaultdict(int)
    for f in rows:
        p_rule, day = f["p_rule"], f["p_day"]
        if p_rule is None or day is None:
            continue
        for key, n in contributions(f):
            out[(f["unit"], p_rule, "y", day[:4], key)] += n
            out[(f["unit"], p_rule, "m", day[:7], key)] += n
    return out


@dataclass
class Tracked:
    """The facts to place again after a write, and what they added before it."""

    ids: set[str]
    before: dict[Bucket, int] = field(default_factory=dict)


def track(conn: Connection, ids: Iterable[str]) -> Tracked:
    """Before the facts ``ids`` change: which facts to place again, and their old buckets."""
    written = set(ids)
    tracked = Tracked(written | _dependents(conn, written))
    rows = []
    for chunk in _distinct(tracked.ids):
        q = select(record_facts).where(record_facts.c.record_id.in_(chunk))
        rows += [dict(r._mapping) for r in conn.execute(q)]
    tracked.before = _buckets(rows)
    return tracked


def settle(conn: Connection, tracked: Tracked, placed: Iterable[dict[str, Any]] = ()) -> None:
    """After the facts changed: place them again and move ``period_tallies`` by the difference.

    ``placed``: tracked facts written with their placement already (:func:`place_own`)."""
    rows = list(placed)
    rows += _place(conn, tracked.ids - {f["record_id"] for f in rows})
    delta = _buckets(rows)
    for k, n in tracked.before.items():
        delta[k] = delta.get(k, 0) - n
    _add(conn, delta)


def _add(conn: Connection, delta: Mapping[Bucket, int]) -> None:
    add_counts(conn, period_tallies, delta)  # a Bucket is period_tallies' primary key


def rebuild(conn: Connection, batch: int = 2000) -> None:
    """Place every fact again and recompute ``period_tallies``, one unit at a time."""
    conn.execute(delete(period_tallies))
    f = record_facts
    for unit in list(conn.execute(select(f.c.unit).distinct()).scalars()):
        ids = list(conn.execute(select(f.c.record_id).where(f.c.unit == unit)).scalars())
        sums: dict[Bucket, int] = defaultdict(int)
        for i in range(0, len(ids), batch):
            for k, n in _buckets(_place(conn, ids[i : i + batch])).items():
                sums[k] += n
        _add(conn, sums)


# ---------------------------------------------------------------------------- reads
def _next(d: date) -> date | None:
    return None if d == date.max else d + timedelta(days=1)


def _month_end(d: date) -> date:
    if d.month == 12:
        return date(d.year, 12, 31)
    return date(d.year, d.month + 1, 1) - timedelta(days=1)


def cover(start: date, end: date) -> list[tuple[str, str, str]]:
    """``(grain, first, last)`` ranges of whole years ("y", ``YYYY``), whole months ("m",
    ``YYYY-MM``) and days ("d", ``YYYY-MM-DD``) whose union is the days ``start`` … ``end``: at
    most one range of years, two of months and two of days."""
    items: list[tuple[str, str]] = []
    d: date | None = start
    while d is not None and d <= end:
        month_end = _month_end(d)
        if (d.month, d.day) == (1, 1) and date(d.year, 12, 31) <= end:
            items.append(("y", f"{d.year:04d}"))
            d = _next(date(d.year, 12, 31))
        elif d.day == 1 and month_end <= end:
            items.append(("m", d.isoformat()[:7]))
            d = _next(month_end)
        else:
            items.append(("d", d.isoformat()))
            d = _next(d)
    out: list[tuple[str, str, str]] = []
    for grain, value in items:
        if out and out[-1][0] == grain:
            out[-1] = (grain, out[-1][1], value)
        else:
            out.append((grain, value, value))
    return out


def _ranges(period: Period) -> list[tuple[str, str, str, str]]:
    """``(rule, grain, first, last)``: the buckets and days that count for a plan of ``period``."""
    start, end = date.fromisoformat(period[0]), date.fromisoformat(period[1])
    # Up to the end: every year before its year at once, then its year's months and days.
    before = [(rule.UPTO, "y", "0001", f"{end.year - 1:04d}")] if end.year > 1 else []
    return [
        *((rule.WITHIN, *r) for r in cover(start, end)),
        *before,
        *((rule.UPTO, *r) for r in cover(date(end.year, 1, 1), end)),
    ]


def _keyed(
    conn: Connection, group: Any, where: Any, *, lost: bool = True, source: Any = None
) -> list[tuple[Any, str, int]]:
    """``(group, key, n)``: the facts that pass ``where`` summed into the keys of
    :mod:`~server.store.fact_keys` (and ``evidence.missing`` when ``lost``) by the database, one small ``GROUP BY`` per kind of key (so
    that this process adds up a few rows per group, not one per combination of choices).
    ``source``: the facts joined to the table ``group`` is a column of."""
    f = record_facts

    def facts(*cols: Any) -> Any:
        q = select(*cols)
        return q if source is None else q.select_from(source)

    out: list[tuple[Any, str, int]] = []
    q = facts(group, f.c.entity, func.count()).where(where, f.c.entity.in_(keys.COUNTED))
    out += [(g, e, n) for g, e, n in conn.execute(q.group_by(group, f.c.entity))]
    for entity, col, prefix in keys.CHOICES:
        c = f.c[col]
        q = facts(group, c, func.count()).where(where, f.c.entity == entity, c.is_not(None))
        out += [(g, prefix + v, n) for g, v, n in conn.execute(q.group_by(group, c)) if v]
    c = f.c.campaigns
    q = facts(group, c, func.count()).where(where, f.c.entity == "model", c.is_not(None))
    for g, v, n in conn.execute(q.group_by(group, c)):
        out += [(g, keys.CAMPAIGNS + one, n) for one in (v or "").split(",") if one]
    for entity, cols in keys.NUMBERS.items():
        sums = [func.sum(f.c[col]) for col in cols]
        q = facts(group, *sums).where(where, f.c.entity == entity).group_by(group)
        for g, *values in conn.execute(q):
            out += [
                (g, f"{entity}.{col}", int(v)) for col, v in zip(cols, values, strict=True) if v
            ]
    # Issue 20's figures: facts with the same ``extra`` are counted together by the database.
    c = f.c.extra
    q = facts(group, c, func.count()).where(where, c.is_not(None)).group_by(group, c)
    for g, v, n in conn.execute(q):
        out += [(g, k, m * n) for k, m in orjson.loads(v).items()]
    if lost:
        q = facts(group, func.count()).where(where, missing()).group_by(group)
        out += [(g, "evidence.missing", n) for g, n in conn.execute(q)]
    return out


def missing() -> Any:
    """An evidence fact whose file has not arrived (the file is looked up for these only)."""
    f = record_facts
    arrived = select(attachments.c.sha256).where(attachments.c.sha256 == f.c.missing_sha)
    return and_(f.c.missing_sha.is_not(None), ~arrived.exists())


def _in_period(period: Period | None) -> Any:
    f = record_facts
    if period is None:
        return f.c.entity != "residential_area"
    return or_(
        and_(f.c.p_rule == rule.WITHIN, f.c.p_day.between(*period)),
        and_(f.c.p_rule == rule.UPTO, f.c.p_day <= period[1]),
    )


def unit_sums(conn: Connection, code: str, period: Period) -> list[tuple[str, str, int]]:
    """``(unit, key, n)`` over ``code``'s subtree for a plan of ``period``."""
    t, f = period_tallies, record_facts
    out: list[tuple[str, str, int]] = []
    units = under(code)
    buckets = []
    for p_rule, grain, first, last in _ranges(period):
        if grain == "d":  # the days of a month the period cuts: from the facts
            days = and_(f.c.p_rule == p_rule, f.c.p_day.between(first, last))
            out += _keyed(conn, f.c.unit, and_(f.c.unit.in_(units), days), lost=False)
        else:
            bucket = t.c.bucket.between(first, last)
            buckets.append(
                select(t.c.unit, t.c.key, t.c.n).where(
                    t.c.unit.in_(units), t.c.rule == p_rule, t.c.grain == grain, bucket
                )
            )
    # One sum over every range of buckets (each read by the primary key), one row per unit and key.
    if buckets:
        every = union_all(*buckets).subquery()
        q = select(every.c.unit, every.c.key, func.sum(every.c.n))
        out += [(u, k, int(n)) for u, k, n in conn.execute(q.group_by(every.c.unit, every.c.key))]
    # Few facts wait for a file: the missing_sha index's few entries, as facts.missing_under.
    q = select(f.c.unit).where(
        f.c.missing_sha >= "", f.c.unit.concat("").in_(units), missing(), _in_period(period)
    )
    out += [(u, "evidence.missing", 1) for u in conn.execute(q).scalars()]
    return out


def area_sums(
    conn: Connection, commune: str, period: Period | None
) -> list[tuple[str | None, str, int]]:
    """``(residential area or None, key, n)`` of a commune's own facts, with or without a plan."""
    f = record_facts
    return _keyed(conn, f.c.p_area, and_(f.c.unit == commune, _in_period(period)))


def before_2025_sums(
    conn: Connection, code: str, period: Period | None
) -> list[tuple[str | None, str, int]]:
    """``(unit before the 2025 reform or None, key, n)`` of the facts of ``code``'s subtree: the
    old grouping of reports (None: records that came after the reform)."""
    f, before = record_facts, record_units_before_2025
    joined = f.outerjoin(before, before.c.record_id == f.c.record_id)
    where = and_(f.c.unit.in_(under(code)), _in_period(period))
    return _keyed(conn, before.c.unit_before_2025, where, source=joined)
