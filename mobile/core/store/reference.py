"""Reference data cached from the server: form versions (``forms``) and units (``units``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mobile.core.store.db import Store

__all__ = [
    "form_definition",
    "form_hashes",
    "latest_form",
    "replace_units",
    "save_form",
    "unit_trees",
    "units_tree",
]

UNITS_TREE = "units_tree"  # the state key of the tree the server's units came from


def form_definition(store: Store, form_id: str, version: int) -> str | None:
    """The JSON text of one cached form version."""
    row = store.conn.execute(
        "SELECT definition FROM forms WHERE form_id = ? AND version = ?", (form_id, version)
    ).fetchone()
    return None if row is None else str(row[0])


def latest_form(store: Store, entity: str) -> tuple[str, int] | None:
    """``(form_id, version)`` of the newest cached form of ``entity``."""
    for row in store.db.table("forms").rows_where(
        "entity = ?", [entity], select="form_id, version", order_by="version DESC", limit=1
    ):
        return str(row["form_id"]), int(row["version"])
    return None


def form_hashes(store: Store) -> dict[tuple[str, int], str | None]:
    return {
        (r["form_id"], r["version"]): r["sha256"]
        for r in store.db.table("forms").rows_where(select="form_id, version, sha256")
    }


def save_form(
    store: Store, *, form_id: str, version: int, entity: str, sha256: str | None, definition: str
) -> None:
    store.db.table("forms").insert(
        {
            "form_id": form_id,
            "version": version,
            "entity": entity,
            "sha256": sha256,
            "definition": definition,
        },
        replace=True,
    )


def replace_units(store: Store, units: Iterable[Mapping[str, Any]]) -> None:
    """The units of the account's scope, as the server listed them last, and their tree
    (``legacy`` / ``current``: the app words a unit field by it, issue 19)."""
    units = list(units)
    trees = {u.get("tree") for u in units} - {None}
    if len(trees) == 1:
        store.set_state(UNITS_TREE, trees.pop())
    store.db.table("units").delete_where()
    store.db.table("units").insert_all(
        (
            {
                "code": u["code"],
                "name": u["name"],
                "level": u.get("level"),
                "parent": u.get("parent"),
                "tree": u.get("tree"),
            }
            for u in units
        ),
        replace=True,
    )


def unit_trees(store: Store) -> dict[str, str | None]:
    """code → tree (``legacy`` or ``current``) of the cached units."""
    return dict(store.conn.execute("SELECT code, tree FROM units").fetchall())


def unit_names(store: Store) -> dict[str, tuple[str, str | None]]:
    """code → (name, level) of the cached units."""
    cur = store.conn.execute("SELECT code, name, level FROM units")
    return {code: (name, level) for code, name, level in cur}


def units_tree(store: Store) -> str | None:
    """The tree of the cached units, None before a sync has fetched them."""
    tree = store.get_state(UNITS_TREE)
    return str(tree) if tree else None
