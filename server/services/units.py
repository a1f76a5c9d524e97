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


class OtherTreeError(ValueError):
    """Units of one tree asked into a server that works in the other (SYNC.md "Units and the
    2025 reform": the two trees' codes overlap with other meanings, so nothing is written)."""

    def __init__(self, server_tree: str, source: str) -> None:
        self.server_tree, self.source = server_tree, source
        super().__init__(
            f"this server works in the {server_tree} tree of units; {source} units cannot be "
            "added to it (their codes mean other places). "
            + (
                "`dkst units reform` moves a server to the current tree."
                if server_tree == "legacy"
                else "A server for records from before 1 July 2025 is a server of its own."
            )
        )


def server_tree(conn: Connection) -> str | None:
    """The tree the server works in (``legacy`` or ``current``), None before any unit is in;
    ``mixed`` for a server that an old version let take both (it refuses every import)."""
    found = store.units.trees(conn)
    if len(found) > 1:
        return "mixed"
    return next(iter(found)) if found else None


def import_units(conn: Connection, *, source: str, under: str | None = None) -> int:
    """Import the units of ``source`` (all, or the subtree ``under`` and its ancestors). Idempotent.

    A server works in one tree: the units of the other are refused (:class:`OtherTreeError`)
    before anything is written. An empty server takes the tree of its first import.
    """
    current = server_tree(conn)
    if current is not None and current != source:
        raise OtherTreeError(current, source)
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
