"""``record_facts`` and ``unit_tallies``: the figures reports aggregate, kept on write.

- :func:`upsert` runs in the push transaction (one call at the end of
  ``server/services/sync.py:_write``): it extracts each written record's figures into
  ``record_facts`` (one row per live record; a tombstone removes it) and adds the difference to
  ``unit_tallies``, the sums per unit and key. A district or province summary then reads a few
  rows per unit instead of parsing every record's JSON (issue 10: 12 s → milliseconds at 1M).
- :func:`rebuild` recomputes both from ``records`` (migration 0003; after a bulk load).
- Reads: :func:`tallies_under` (per unit of a subtree), :func:`missing_under` (evidence whose file
  has not arrived, re-checked against ``attachments``: only facts written before their file came
  are looked at), :func:`stream_under` (fact rows with the dates and residential area of the
  records they name, for a commune's residential areas and for a plan's period).

Keys of ``unit_tallies`` (:func:`contributions`): ``model``, ``model.content_area.<v>``,
``model.status.<v>``, ``model.organization.<v>``, ``model.campaign.<v>``, ``model.<number>``
(people, households, contributions, results), ``visit``, ``evidence``,
``initiative.status.<v>``, ``activity.kind.<v>``, ``activity.<number>``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, and_, delete, exists, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from server.db.schema import attachments, record_facts, records, unit_closure, unit_tallies, units
from server.store.units import under

_CHUNK = 500
MODEL_NUMBERS = (
    "people",
    "households",
    "state_budget_vnd",
    "people_contribution_vnd",
    "labour_days",
    "economic_value_vnd_per_year",
    "households_out_of_poverty",
)
ACTIVITY_NUMBERS = ("attendees", "bulletins_printed", "commendations")
# Form field → fact column, where they differ.
_MODEL_FIELDS = {"people": "participating_people", "households": "participating_households"}
_DAY_FIELD = {
    "model": "start_date",
    "visit": "visit_date",
    "initiative": "submitted_date",
    "activity": "date",
}
_COLUMNS = [c.name for c in record_facts.columns]


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def fact_of(
    entity: str, record_id: str, unit: str | None, fields: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The ``record_facts`` row of a live record (None for one without a unit).

    ``missing_sha`` is set to the evidence's file hash ("" when none); :func:`upsert` clears it
    when the file is on the server already.
    """
    if unit is None:
        return None
    f: dict[str, Any] = dict.fromkeys(_COLUMNS)
    f.update(record_id=record_id, entity=entity, unit=unit)
    f["review_state"] = _str(fields.get("review_state"))
    day = _str(fields.get(_DAY_FIELD.get(entity, "")))
    f["day"] = day[:10] if day else None
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
        f["model"] = _str(fields.get("model"))
        f["visit"] = _str(fields.get("visit"))
        f["missing_sha"] = _str(fields.get("sha256")) or ""
    elif entity == "initiative":
        f["status"] = _str(fields.get("status"))
    elif entity == "activity":
        f["kind"] = _str(fields.get("kind"))
        for col in ACTIVITY_NUMBERS:
            f[col] = _int(fields.get(col))
    return f


def contributions(f: Mapping[str, Any]) -> list[tuple[str, int]]:
    """What one fact adds to its unit's tallies."""
    entity = f["entity"]
    out: list[tuple[str, int]] = []
    if entity == "model":
        out.append(("model", 1))
        for col, key in (
            ("content_area", "content_area"),
            ("status", "status"),
            ("organization", "organization"),
        ):
            if f[col]:
                out.append((f"model.{key}.{f[col]}", 1))
        if f["campaigns"]:
            out += [(f"model.campaign.{c}", 1) for c in f["campaigns"].split(",")]
        out += [(f"model.{col}", f[col]) for col in MODEL_NUMBERS if f[col]]
    elif entity in ("visit", "evidence"):
        out.append((entity, 1))
    elif entity == "initiative":
        if f["status"]:
            out.append((f"initiative.status.{f['status']}", 1))
    elif entity == "activity":
        if f["kind"]:
            out.append((f"activity.kind.{f['kind']}", 1))
        out += [(f"activity.{col}", f[col]) for col in ACTIVITY_NUMBERS if f[col]]
    return out


def _complete(conn: Connection, hashes: Iterable[str]) -> set[str]:
    items = sorted({h for h in hashes if h})
    found: set[str] = set()
    for i in range(0, len(items), _CHUNK):
        q = select(attachments.c.sha256).where(attachments.c.sha256.in_(items[i : i + _CHUNK]))
        found.update(conn.execute(q).scalars())
    return found


def _add_tallies(conn: Connection, delta: Mapping[tuple[str, str], int]) -> None:
    rows = [{"unit": u, "key": k, "n": n} for (u, k), n in delta.items() if n]
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(unit_tallies)
    stmt = stmt.on_conflict_do_update(
        index_elements=[unit_tallies.c.unit, unit_tallies.c.key],
        set_={"n": unit_tallies.c.n + stmt.excluded.n},
    )
    for i in range(0, len(rows), _CHUNK):
        conn.execute(stmt, rows[i : i + _CHUNK])


def upsert(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Bring the facts and tallies of written records up to date (in the caller's transaction).

    ``rows`` carry ``record_id``, ``entity``, ``unit``, ``fields`` (JSON text or a dict) and
    ``deleted``, as ``records`` holds them.
    """
    for i in range(0, len(rows), _CHUNK):
        _upsert_chunk(conn, rows[i : i + _CHUNK])


def _upsert_chunk(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    ids = [r["record_id"] for r in rows]
    old = {
        r.record_id: dict(r._mapping)
        for r in conn.execute(select(record_facts).where(record_facts.c.record_id.in_(ids)))
    }
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
        )
        if f is not None:
            new.append(f)
    _apply(conn, new, list(old.values()))


def rebuild(conn: Connection, batch: int = 2000) -> int:
    """Recompute ``record_facts`` and ``unit_tallies`` from ``records``; the number of facts."""
    conn.execute(delete(record_facts))
    conn.execute(delete(unit_tallies))
    q = select(
        records.c.record_id, records.c.entity, records.c.unit, records.c.fields, records.c.deleted
    ).where(records.c.deleted.is_(False), records.c.unit.is_not(None))
    # Per statement: Connection.execution_options() would change the whole connection.
    result = conn.execute(q.execution_options(stream_results=True, yield_per=batch))
    facts: list[dict[str, Any]] = []
    total = 0
    for r in result:
        f = fact_of(r.entity, r.record_id, r.unit, orjson.loads(r.fields))
        if f is not None:
            facts.append(f)
        if len(facts) >= batch:
            total += insert_new(conn, facts)
            facts = []
    return total + insert_new(conn, facts)


def _apply(conn: Connection, new: list[dict[str, Any]], old: list[dict[str, Any]]) -> int:
    """Replace the facts ``old`` by ``new`` and move the tallies by the difference."""
    present = _complete(conn, (f["missing_sha"] for f in new if f["missing_sha"]))
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
    if new:
        conn.execute(insert(record_facts), new)
    _add_tallies(conn, delta)
    return len(new)


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


def _missing(f: Any) -> Any:
    """1 when an evidence fact's file is still not on the server, else 0 (a SQL expression)."""
    arrived = exists().where(attachments.c.sha256 == f.c.missing_sha)
    return and_(f.c.missing_sha.is_not(None), ~arrived)


def missing_under(conn: Connection, code: str) -> dict[str, int]:
    """Unit → evidence records of that unit whose file has not arrived, over ``code``'s subtree."""
    f = record_facts
    q = (
        select(f.c.unit, func.count())
        .where(f.c.missing_sha.is_not(None), f.c.unit.in_(under(code)), _missing(f))
        .group_by(f.c.unit)
    )
    return {r[0]: int(r[1]) for r in conn.execute(q)}


def child_of_each(conn: Connection, code: str) -> dict[str, str]:
    """Every unit under ``code``'s children → the child it lies under."""
    kids = select(units.c.code).where(units.c.parent == code)
    q = select(unit_closure.c.ancestor, unit_closure.c.descendant).where(
        unit_closure.c.ancestor.in_(kids)
    )
    return {r.descendant: r.ancestor for r in conn.execute(q)}


def stream_under(conn: Connection, code: str, batch: int = 2000) -> Iterator[Mapping[str, Any]]:
    """The facts of ``code``'s subtree, each with ``visit_day`` (of the visit it names),
    ``model_day`` and ``model_area`` (of its model, or of its visit's model) and ``missing`` (an
    evidence whose file has not arrived)."""
    f = record_facts
    v = record_facts.alias("v")
    m = record_facts.alias("m")
    q = (
        select(
            *f.c,
            v.c.day.label("visit_day"),
            m.c.day.label("model_day"),
            m.c.area.label("model_area"),
            _missing(f).label("missing"),
        )
        .select_from(
            f.outerjoin(v, v.c.record_id == f.c.visit).outerjoin(
                m, m.c.record_id == func.coalesce(v.c.model, f.c.model)
            )
        )
        .where(f.c.unit.in_(under(code)))
    )
    # Per statement: Connection.execution_options() would change the whole connection.
    result = conn.execute(q.execution_options(stream_results=True, yield_per=batch))
    for r in result:
        yield dict(r._mapping)


__all__ = [
    "ACTIVITY_NUMBERS",
    "MODEL_NUMBERS",
    "child_of_each",
    "contributions",
    "fact_of",
    "insert_new",
    "missing_under",
    "rebuild",
    "stream_under",
    "tallies_under",
    "upsert",
]
