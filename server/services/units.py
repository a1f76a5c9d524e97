"""Administrative units in the server's database: import from shared_schema, read in scope."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from server.db.schema import unit_closure, units
from shared_schema.units import Unit, load_units


def import_units(conn: Connection, *, source: str, under: str | None = None) -> int:
    """Import the units of ``source`` (all, or the subtree ``under`` and its ancestors). Idempotent."""
    tree = load_units(source, under)  # type: ignore[arg-type]
    chosen: dict[str, Unit] = {u.code: u for u in tree}
    if under is not None:
        full = load_units(source)  # type: ignore[arg-type]
        for anc in full.ancestors(under):
            chosen.setdefault(anc.code, anc)
    codes = list(chosen)
    for i in range(0, len(codes), 500):
        part = codes[i : i + 500]
        conn.execute(delete(units).where(units.c.code.in_(part)))
        conn.execute(delete(unit_closure).where(unit_closure.c.descendant.in_(part)))
    conn.execute(
        insert(units),
        [
            {"code": u.code, "name": u.name, "level": u.level, "parent": u.parent, "source": source}
            for u in chosen.values()
        ],
    )
    # Closure over everything now in the table, so a later import of a sibling subtree links up.
    parents = dict(conn.execute(select(units.c.code, units.c.parent)).tuples().all())
    pairs = []
    for code in codes:
        node: str | None = code
        seen = 0
        while node is not None and seen < 16:
            pairs.append({"ancestor": node, "descendant": code})
            node = parents.get(node)
            seen += 1
    conn.execute(insert(unit_closure), pairs)
    return len(codes)


def units_in_scope(conn: Connection, scope: frozenset[str]) -> list[dict[str, object]]:
    rows = conn.execute(
        select(units.c.code, units.c.name, units.c.level, units.c.parent).order_by(units.c.code)
    ).mappings()
    return [dict(r) for r in rows if r["code"] in scope]


def unit_exists(conn: Connection, code: str) -> bool:
    return conn.execute(select(units.c.code).where(units.c.code == code)).first() is not None
