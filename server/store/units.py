"""``units`` and ``unit_closure``: the administrative tree, and a caller's scope as a join."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Select, delete, exists, insert, select

from server.db.schema import unit_closure, units
from server.store.driver import chunks

# Rows per statement when a list must be bound (an import of a whole province).


def under(code: str) -> Select[tuple[str]]:
    """The codes of ``code``'s subtree (itself included), as a subquery to join or ``IN`` on."""
    return select(unit_closure.c.descendant).where(unit_closure.c.ancestor == code)


def in_scope_of(roots: Iterable[str]) -> Select[tuple[str]]:
    """The codes under any of ``roots`` (a user's few units), as a subquery: no list of thousands."""
    return select(unit_closure.c.descendant).where(unit_closure.c.ancestor.in_(list(roots)))


def get_in_scope(conn: Connection, code: str, roots: Sequence[str]) -> dict[str, Any] | None:
    """``{"code", "name", "level", "parent"}`` of ``code`` when it lies under one of ``roots``."""
    inside = exists().where(
        unit_closure.c.descendant == units.c.code, unit_closure.c.ancestor.in_(list(roots))
    )
    row = conn.execute(
        select(units.c.code, units.c.name, units.c.level, units.c.parent).where(
            units.c.code == code, inside
        )
    ).first()
    return None if row is None else dict(row._mapping)


def list_in_scope(conn: Connection, roots: Sequence[str]) -> list[dict[str, Any]]:
    """Every unit under ``roots``, by code, with its tree (``tree``: its source's)."""
    q = (
        select(
            units.c.code, units.c.name, units.c.level, units.c.parent, units.c.source.label("tree")
        )
        .where(units.c.code.in_(in_scope_of(roots)))
        .order_by(units.c.code)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def trees(conn: Connection) -> set[str]:
    """The trees (``legacy``, ``current``) of the units the server holds; empty when none."""
    return set(conn.execute(select(units.c.source).distinct()).scalars())


def children(conn: Connection, code: str) -> list[dict[str, Any]]:
    """``{"code", "name", "level"}`` of the units whose parent is ``code``, by code."""
    q = (
        select(units.c.code, units.c.name, units.c.level)
        .where(units.c.parent == code)
        .order_by(units.c.code)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def child_of_each(conn: Connection, code: str) -> dict[str, str]:
    """Every unit under ``code``'s children → the child it lies under."""
    kids = select(units.c.code).where(units.c.parent == code)
    q = select(unit_closure.c.ancestor, unit_closure.c.descendant).where(
        unit_closure.c.ancestor.in_(kids)
    )
    return {r.descendant: r.ancestor for r in conn.execute(q)}


def names_under(conn: Connection, code: str) -> dict[str, str]:
    """Code → name of every unit in ``code``'s subtree."""
    q = select(units.c.code, units.c.name).where(units.c.code.in_(under(code)))
    return {r.code: r.name for r in conn.execute(q)}


def names_of(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    """Code → name of the units among ``codes``."""
    out: dict[str, str] = {}
    for part in chunks(sorted(set(codes))):
        q = select(units.c.code, units.c.name).where(units.c.code.in_(part))
        out.update({r.code: r.name for r in conn.execute(q)})
    return out


def communes_under(conn: Connection, code: str) -> list[str]:
    """The commune codes of ``code``'s subtree, sorted."""
    q = (
        select(units.c.code)
        .where(units.c.code.in_(under(code)), units.c.level == "commune")
        .order_by(units.c.code)
    )
    return list(conn.execute(q).scalars())


def replace(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write ``rows`` (code, name, level, parent, source) over any units of the same codes.

    Their closure rows go too; :func:`link` rebuilds them.
    """
    codes = [r["code"] for r in rows]
    for part in chunks(codes):
        conn.execute(delete(units).where(units.c.code.in_(part)))
        conn.execute(delete(unit_closure).where(unit_closure.c.descendant.in_(part)))
    if rows:
        conn.execute(insert(units), list(rows))


def parents(conn: Connection) -> dict[str, str | None]:
    """Code → parent code of every unit in the table."""
    return {r.code: r.parent for r in conn.execute(select(units.c.code, units.c.parent))}


def link(conn: Connection, pairs: Sequence[Mapping[str, str]]) -> None:
    """Insert closure rows ``{"ancestor", "descendant"}``."""
    if pairs:
        conn.execute(insert(unit_closure), list(pairs))


def communes_in_scope_under(
    conn: Connection, code: str, roots: Sequence[str]
) -> list[dict[str, Any]]:
    """``{"code", "name", "level"}`` of the communes under ``code`` that lie under ``roots``."""
    q = (
        select(units.c.code, units.c.name, units.c.level)
        .where(
            units.c.code.in_(under(code)),
            units.c.code.in_(in_scope_of(roots)),
            units.c.level == "commune",
        )
        .order_by(units.c.code)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def is_under(conn: Connection, code: str, ancestor: str) -> bool:
    """Whether ``code`` lies in ``ancestor``'s subtree (itself included)."""
    q = select(unit_closure.c.descendant).where(
        unit_closure.c.ancestor == ancestor, unit_closure.c.descendant == code
    )
    return conn.execute(q).first() is not None


def levels(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    q = select(units.c.code, units.c.level).where(units.c.code.in_(list(codes)))
    return {r.code: r.level for r in conn.execute(q)}


def all_units(conn: Connection) -> list[dict[str, Any]]:
    """``{"code", "name", "level", "parent", "source"}`` of every unit, by code."""
    return [dict(r._mapping) for r in conn.execute(select(units).order_by(units.c.code))]


def by_codes(conn: Connection, codes: Sequence[str]) -> list[dict[str, Any]]:
    """``{"code", "name", "level", "parent", "tree"}`` of the units with these codes (a user's
    few), by code: a look-up by key, where the server's tree over the whole table is a scan."""
    cols = (units.c.code, units.c.name, units.c.level, units.c.parent, units.c.source.label("tree"))
    out: list[dict[str, Any]] = []
    for part in chunks(list(codes)):
        out += [
            dict(r) for r in conn.execute(select(*cols).where(units.c.code.in_(part))).mappings()
        ]
    return sorted(out, key=lambda u: str(u["code"]))


def ancestors(conn: Connection, codes: Iterable[str]) -> dict[str, frozenset[str]]:
    """Code → the codes of its ancestors, itself included."""
    q = select(unit_closure.c.descendant, unit_closure.c.ancestor).where(
        unit_closure.c.descendant.in_(list(codes))
    )
    out: dict[str, set[str]] = {}
    for r in conn.execute(q):
        out.setdefault(r.descendant, set()).add(r.ancestor)
    return {k: frozenset(v) for k, v in out.items()}
