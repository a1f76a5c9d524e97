"""Administrative units in the server's database: import from shared_schema, read in scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from server import store
from server.errors import ServerError
from server.services.auth import Principal
from shared_schema.errors import ErrorCode
from shared_schema.units import Unit, load_units

# Deeper than any real tree (province → district → commune); stops a cycle in bad data.
_MAX_DEPTH = 16


def import_units(conn: Connection, *, source: str, under: str | None = None) -> int:
    """Import the units of ``source`` (all, or the subtree ``under`` and its ancestors). Idempotent."""
    tree = load_units(source, under)  # type: ignore[arg-type]
    chosen: dict[str, Unit] = {u.code: u for u in tree}
    if under is not None:
        full = load_units(source)  # type: ignore[arg-type]
        for anc in full.ancestors(under):
            chosen.setdefault(anc.code, anc)
    store.units.replace(
        conn,
        [
            {"code": u.code, "name": u.name, "level": u.level, "parent": u.parent, "source": source}
            for u in chosen.values()
        ],
    )
    # Closure over everything now in the table, so a later import of a sibling subtree links up.
    parents = store.units.parents(conn)
    pairs = []
    for code in chosen:
        node: str | None = code
        seen = 0
        while node is not None and seen < _MAX_DEPTH:
            pairs.append({"ancestor": node, "descendant": code})
            node = parents.get(node)
            seen += 1
    store.units.link(conn, pairs)
    return len(chosen)


def units_in_scope(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    """Every unit under the caller's own units, by code."""
    return store.units.list_in_scope(conn, who.units)


def unit_in_scope(conn: Connection, who: Principal, code: str | None) -> dict[str, Any]:
    """``{"code", "name", "level", "parent"}`` of a unit in the caller's subtree.

    Missing ``unit`` → ``invalid_request``; unknown or outside the subtree (a parent of the
    caller's own unit included) → ``not_found``, so nothing leaks about other units.
    """
    if code is None or code == "":
        raise ServerError(ErrorCode.INVALID_REQUEST, {"parameter": "unit"})
    found = store.units.get_in_scope(conn, code, who.units)
    if found is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    return found
