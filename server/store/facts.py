"""``record_facts`` and ``unit_tallies``: the figures reports aggregate, kept after each write.

- :func:`catch_up` applies, after the push transactions, every record written since it last ran
  (``records.seq`` above ``facts_seq`` in ``server_meta``), before any report reads them
  (``server/services/report_facts.py``; issue 22: the facts were a quarter of a push's CPU).
  :func:`upsert` extracts each written record's figures into ``record_facts`` (one row per live
  record; a tombstone removes it) and adds the difference to ``unit_tallies``, the sums per unit
  and key; it compares with the stored fact, so applying a record's state twice changes nothing.
  A district or province summary then reads a few rows per unit instead of parsing every
  record's JSON (issue 10: 12 s → milliseconds at 1M).
- :func:`rebuild` recomputes them, and the placements and ``period_tallies``, from ``records``
  (migration 0004; after a bulk load).
- Reads: :func:`tallies_under` (per unit of a subtree), :func:`missing_under` (evidence whose file
  has not arrived, re-checked against ``attachments``: only facts written before their file came
  are looked at), :func:`area_names`. A plan's figures and a commune's by residential area:
  ``server/store/periods.py``, kept in the same transaction by :func:`upsert`.

Keys of ``unit_tallies``: ``server/store/fact_keys.py``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, delete, func, insert, select, update

from server.db.schema import (
    attachments,
    period_tallies,
    record_facts,
    server_meta,
    unit_closure,
    unit_tallies,
)
from server.store import periods
from server.store import records as records_store
from server.store.attachments import complete_among
from server.store.driver import chunks, insert_rows
from server.store.fact_keys import ACTIVITY_NUMBERS, MODEL_NUMBERS, contributions, extras
from server.store.tally_sql import add_counts
from server.store.units import under
from shared_schema.periods import EVIDENCE_PARENTS, day_of, with_received_day

# Form field → fact column, where they differ.
_MODEL_FIELDS = {"people": "participating_people", "households": "participating_households"}
_COLUMNS = [c.name for c in record_facts.columns]


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def fact_of(
    entity: str,
    record_id: str,
    unit: str | None,
    fields: Mapping[str, Any],
    received_at: str | None = None,
) -> dict[str, Any] | None:
    """The ``record_facts`` row of a live record (None for one without a unit). ``received_at``:
    when the server first received the record (``records.created_at``), a model's ``day`` when it
    has no start date (the plan period rule).

    ``missing_sha`` is set to the evidence's file hash ("" when none); :func:`upsert` clears it
    when the file is on the server already.
    """
    if unit is None:
        return None
    f: dict[str, Any] = dict.fromkeys(_COLUMNS)
    f.update(record_id=record_id, entity=entity, unit=unit)
    f["review_state"] = _str(fields.get("review_state"))
    # A calendar day YYYY-MM-DD, else None.
    f["day"] = day_of(entity, with_received_day(entity, fields, received_at))
    if entity == "residential_area":
        f["name"] = _str(fields.get("name"))
    elif entity == "model":
        f["area"] = _str(fields.get("residential_area"))
        f["content_area"] = _str(fields.get("content_area"))
        f["status"] = _str(fields.get("status"))
        f["organization"] = _str(fields.get("lead_organization"))
        camps = fields.get("linked_campaigns")
        if isinstance(camps, list):
            f["campaigns"] = ",".join(sorted({c for c in camps if isinstance(c, str)}))
        for col in MODEL_NUMBERS:
            f[col] = _int(fields.get(_MODEL_FIELDS.get(col, col)))
    elif entity == "visit":
        f["model"] = _str(fields.get("model"))
    elif entity == "evidence":
        # The parent other than a visit: a model, or in v2 an initiative or an activity.
        parent = (_str(fields.get(n)) for n in EVIDENCE_PARENTS[1:])
        f["model"] = next((p for p in parent if p), None)
        f["visit"] = _str(fields.get("visit"))
        f["missing_sha"] = _str(fields.get("sha256")) or ""
    elif entity == "initiative":
        f["status"] = _str(fields.get("status"))
    elif entity == "activity":
        f["kind"] = _str(fields.get("kind"))
        for col in ACTIVITY_NUMBERS:
            f[col] = _int(fields.get(col))
        if f["commendations"] is None:  # v2 counts collectives and individuals apart
            both = [_int(fields.get(c)) for c in ("commended_collectives", "commended_individuals")]
            f["commendations"] = sum(n for n in both if n) if any(both) else None
    f["extra"] = extras(entity, fields)
    return f


def _add_tallies(conn: Connection, delta: Mapping[tuple[str, str], int]) -> None:
    add_counts(conn, unit_tallies, delta)


def upsert(
    conn: Connection, rows: Sequence[Mapping[str, Any]], *, fresh: Collection[str] = ()
) -> None:
    """Bring the facts and tallies of written records up to date (in the caller's transaction).

    ``rows`` carry ``record_id``, ``entity``, ``unit``, ``fields`` (JSON text or a dict) and
    ``deleted``, as ``records`` holds them. ``fresh``: ids of records first written in this
    transaction, which have no facts yet to look up.
    """
    for part in chunks(rows):
        _upsert_chunk(conn, part, fresh)


def _upsert_chunk(
    conn: Connection, rows: Sequence[Mapping[str, Any]], fresh: Collection[str]
) -> None:
    ids = [r["record_id"] for r in rows if r["record_id"] not in fresh]
    old = {}
    if ids:
        q = select(record_facts).where(record_facts.c.record_id.in_(ids))
        old = {r.record_id: dict(r._mapping) for r in conn.execute(q)}
    new: list[dict[str, Any]] = []
    for r in rows:
        if r["deleted"]:
            continue
        fields = r["fields"]
        f = fact_of(
            r["entity"],
            r["record_id"],
            r["unit"],
            orjson.loads(fields) if isinstance(fields, str) else fields,
            r.get("created_at"),
        )
        if f is None:
            continue
        was = old.get(f["record_id"])
        if was is not None and _same(was, f):
            del old[f["record_id"]]  # an edit no report reads: its fact and tallies stay
            continue
        new.append(f)
    _apply(conn, new, list(old.values()))


# The placement is derived (settle sets it); an evidence's missing_sha is cleared once its file is
# in, so evidence is always written again.
_COMPARED = [c for c in _COLUMNS if c not in ("p_rule", "p_day", "p_area")]


def _same(was: Mapping[str, Any], f: Mapping[str, Any]) -> bool:
    """Whether the stored fact ``was`` is the new fact ``f`` (not evidence) but for placement.

    Placement reads the fact's own columns, or for a visit its model's area, and a written model
    places its visits and evidence again itself (``periods.track``)."""
    return f["entity"] != "evidence" and all(was[c] == f[c] for c in _COMPARED)


# ---------------------------------------------------------------------------- after the pushes
FACTS_SEQ = "facts_seq"  # server_meta: the records' change number the facts are applied up to


def applied_seq(conn: Connection, *, lock: bool = False) -> int:
    """Up to which ``records.seq`` the facts are applied (``lock``: the row held until commit, so
    that two catch-ups on PostgreSQL run one after the other; SQLite has one writer anyway)."""
    q = select(server_meta.c.value).where(server_meta.c.key == FACTS_SEQ)
    value = conn.execute(q.with_for_update() if lock else q).scalar()
    return int(value) if value is not None else 0


def set_applied_seq(conn: Connection, seq: int) -> None:
    # An update, not a delete and insert: a catch-up waiting on the row lock then reads the new
    # value (PostgreSQL re-reads an updated row; a deleted one it would not find at all).
    row = server_meta.c.key == FACTS_SEQ
    if conn.execute(update(server_meta).where(row).values(value=str(seq))).rowcount == 0:
        conn.execute(insert(server_meta).values(key=FACTS_SEQ, value=str(seq)))


def behind(conn: Connection) -> bool:
    """Whether a record was written since the facts were last caught up."""
    return records_store.last_seq(conn) > applied_seq(conn)


def catch_up(conn: Connection, batch: int = 2000) -> int:
    """Apply the facts of every record written since the last catch-up, in change order; the
    number of records looked at. Pushes number their changes in commit order (the change-log
    lock), so a record committed later always has a higher ``seq`` than the one applied."""
    done = applied_seq(conn, lock=True)
    seen = 0
    while rows := records_store.changed_since(conn, done, batch):
        upsert(conn, [r._mapping for r in rows])
        done, seen = rows[-1].seq, seen + len(rows)
    if seen:
        set_applied_seq(conn, done)
    return seen


def rebuild(conn: Connection, batch: int = 2000) -> int:
    """Recompute ``record_facts`` and ``unit_tallies`` from ``records``; the number of facts."""
    set_applied_seq(conn, records_store.last_seq(conn))
    conn.execute(delete(record_facts))
    conn.execute(delete(unit_tallies))
    conn.execute(delete(period_tallies))
    facts: list[dict[str, Any]] = []
    total = 0
    for r in records_store.live_rows(conn, batch):
        f = fact_of(r.entity, r.record_id, r.unit, orjson.loads(r.fields), r.created_at)
        if f is not None:
            facts.append(f)
        if len(facts) >= batch:
            total += insert_new(conn, facts)
            facts = []
    return total + insert_new(conn, facts)


def _apply(conn: Connection, new: list[dict[str, Any]], old: list[dict[str, Any]]) -> int:
    """Replace the facts ``old`` by ``new`` and move the tallies by the difference."""
    tracked = periods.track(conn, [f["record_id"] for f in (*new, *old)])
    present = complete_among(conn, (f["missing_sha"] for f in new if f["missing_sha"]))
    delta: dict[tuple[str, str], int] = defaultdict(int)
    for f in new:
        if f["missing_sha"] in present:
            f["missing_sha"] = None
        for key, n in contributions(f):
            delta[(f["unit"], key)] += n
    for f in old:
        for key, n in contributions(f):
            delta[(f["unit"], key)] -= n
    if old:
        ids = [f["record_id"] for f in old]
        conn.execute(delete(record_facts).where(record_facts.c.record_id.in_(ids)))
    placed = periods.place_own(new)
    insert_rows(conn, record_facts, new)
    _add_tallies(conn, delta)
    periods.settle(conn, tracked, placed)
    return len(new)


def bulk_load(
    conn: Connection, rows: Sequence[Mapping[str, Any]], files: Sequence[Mapping[str, Any]] = ()
) -> int:
    """Insert new ``records`` rows and their facts at once, bypassing push (no change log, no
    merge): for benchmarks (``bench/reports.py``) and one-off imports only. ``files`` are
    ``attachments`` rows to insert first. Returns the number of facts."""
    if files:
        conn.execute(insert(attachments), list(files))
    if not rows:
        return 0
    records_store.bulk_insert(conn, [dict(r) for r in rows])
    set_applied_seq(conn, records_store.last_seq(conn))
    facts = [
        f
        for r in rows
        if not r["deleted"]
        and (
            f := fact_of(
                r["entity"], r["record_id"], r["unit"], orjson.loads(r["fields"]), r["created_at"]
            )
        )
    ]
    return insert_new(conn, facts)


def insert_new(conn: Connection, facts: list[dict[str, Any]]) -> int:
    """Facts (from :func:`fact_of`) of records that have none yet: a bulk load's fast path."""
    return _apply(conn, facts, [])


# ---------------------------------------------------------------------------- reads
def tallies_under(conn: Connection, code: str) -> list[tuple[str, str, int]]:
    """``(unit, key, n)`` of every unit in ``code``'s subtree."""
    q = select(unit_tallies.c.unit, unit_tallies.c.key, unit_tallies.c.n).where(
        unit_tallies.c.unit.in_(under(code)), unit_tallies.c.n != 0
    )
    return [(r.unit, r.key, int(r.n)) for r in conn.execute(q)]


def missing_under(conn: Connection, code: str) -> dict[str, int]:
    """Unit → evidence records of that unit whose file has not arrived, over ``code``'s subtree."""
    f = record_facts
    # Few facts wait for a file and many share a unit, which SQLite (with no statistics) cannot
    # know: a range on missing_sha (>= '' is every non-null value), unit || '' so that the unit's
    # index is not preferred, and the counting done here, not by a GROUP BY that would read the
    # facts in unit order; so that it reads only the missing_sha index's few entries.
    q = select(f.c.unit).where(
        f.c.missing_sha >= "", f.c.unit.concat("").in_(under(code)), periods.missing()
    )
    return dict(Counter(conn.execute(q).scalars()))


def area_names(conn: Connection, commune: str) -> dict[str, str]:
    """Record id → name of the residential areas of a commune."""
    f = record_facts
    q = select(f.c.record_id, f.c.name).where(f.c.unit == commune, f.c.entity == "residential_area")
    return {r.record_id: r.name or "" for r in conn.execute(q)}


__all__ = [
    "ACTIVITY_NUMBERS",
    "FACTS_SEQ",
    "MODEL_NUMBERS",
    "applied_seq",
    "area_names",
    "behind",
    "bulk_load",
    "catch_up",
    "contributions",
    "fact_of",
    "insert_new",
    "missing_under",
    "rebuild",
    "set_applied_seq",
    "tallies_under",
    "upsert",
]


def dated_by_month(conn: Connection, unit: str) -> list[tuple[str, str, int]]:
    """(``YYYY-MM``, entity, live records whose own date falls in that month) under ``unit``:
    models by start date, visits by visit date, initiatives by submission, activities by date.
    Read from ``record_facts`` (slim rows kept on write), not from the records' JSON."""
    month = func.substr(record_facts.c.day, 1, 7)
    q = (
        select(month, record_facts.c.entity, func.count())
        .where(
            record_facts.c.unit.in_(
                select(unit_closure.c.descendant).where(unit_closure.c.ancestor == unit)
            ),
            record_facts.c.day.is_not(None),
        )
        .group_by(month, record_facts.c.entity)
        .order_by(month)
    )
    return [(str(m), str(e), int(n)) for m, e, n in conn.execute(q)]
