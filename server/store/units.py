"""``units`` and ``unit_closure``: the administrative tree, and a caller's scope as a join.

(The subset that plans and reports need, written as on branch ``i8-server``, whose
``server/store/units.py`` is a superset of this one.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, exists, select

from server.db.schema import unit_closure, units


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


def children(conn: Connection, code: str) -> list[dict[str, Any]]:
    """``{"code", "name", "level"}`` of the units whose parent is ``code``, by code."""
    q = (
        select(units.c.code, units.c.name, units.c.level)
        .where(units.c.parent == code)
        .order_by(units.c.code)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


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
