"""``published_forms``: the form versions provinces and districts published (issue 20).

Which versions a caller sees is the plans' rule (:mod:`server.store.plans`): published inside the
caller's subtree, or by an ancestor of one of its units (a commune's devices get their district's
and province's forms, never another province's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from server.db.schema import published_forms, unit_closure
from server.store.units import in_scope_of

__all__ = [
    "add",
    "generation",
    "get",
    "list_all",
    "visible_keys",
    "visible_to_unit",
]


def _visible(roots: Sequence[str]) -> ColumnElement[bool]:
    ancestors = select(unit_closure.c.ancestor).where(unit_closure.c.descendant.in_(list(roots)))
    return or_(
        published_forms.c.unit.in_(in_scope_of(roots)), published_forms.c.unit.in_(ancestors)
    )


def add(conn: Connection, row: Mapping[str, Any]) -> bool:
    """Insert a version; False when ``(form_id, version)`` is taken (also by a concurrent twin)."""
    try:
        with conn.begin_nested():
            conn.execute(insert(published_forms).values(**row))
    except IntegrityError:
        return False
    return True


def get(conn: Connection, form_id: str, version: int) -> dict[str, Any] | None:
    q = select(published_forms).where(
        published_forms.c.form_id == form_id, published_forms.c.version == version
    )
    row = conn.execute(q).first()
    return None if row is None else dict(row._mapping)


def visible_keys(conn: Connection, roots: Sequence[str]) -> list[tuple[str, int]]:
    """``(form_id, version)`` of the versions a caller whose units are ``roots`` sees."""
    q = (
        select(published_forms.c.form_id, published_forms.c.version)
        .where(_visible(roots))
        .order_by(published_forms.c.form_id, published_forms.c.version)
    )
    return [(r.form_id, r.version) for r in conn.execute(q)]


def visible_to_unit(conn: Connection, unit: str) -> list[dict[str, Any]]:
    """The rows published by ``unit`` or one of its ancestors: the forms its records may use."""
    ancestors = select(unit_closure.c.ancestor).where(unit_closure.c.descendant == unit)
    q = (
        select(published_forms)
        .where(published_forms.c.unit.in_(ancestors))
        .order_by(published_forms.c.form_id, published_forms.c.version)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def list_all(conn: Connection) -> list[dict[str, Any]]:
    q = select(published_forms).order_by(published_forms.c.form_id, published_forms.c.version)
    return [dict(r._mapping) for r in conn.execute(q)]


def generation(conn: Connection) -> tuple[int, str | None]:
    """``(count, newest published_at)``: changes whenever a version is published (rows are never
    updated or deleted), so a process may keep parsed definitions while it stays the same."""
    q = select(func.count(), func.max(published_forms.c.published_at))
    n, newest = conn.execute(q).one()
    return int(n), newest
