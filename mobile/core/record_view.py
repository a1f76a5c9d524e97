"""What the officer sees of a record, always recomputed from three layers, in this order:

1. ``server_fields`` at ``rev``: the server's state as last pulled;
2. the record's outbox changes not yet reflected in that state (pending, rejected, or sent with a
   result rev above the pulled rev), in save order;
3. ``draft_fields``: edits saved but not finalized.

So a pull never hides an unsent edit, a rejected change stays visible with its errors until the
officer fixes or discards it, and a finalized edit sends only the fields that differ from layers
1+2 without the rejected ones (those never reached the server, so they go again).

The view is stored in the record's row with its title and search key, so lists and searches read
one row per record (``mobile/core/store/records.py``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from mobile.core.clock import utc_now
from mobile.core.store import Store
from mobile.core.store import outbox as stored_outbox
from mobile.core.store import records as stored
from shared_schema.entities import SYSTEM_FIELDS
from shared_schema.text import search_key

__all__ = ["TITLE_FIELDS", "compose", "dumps", "layers", "recompute", "searchable"]

# Fields that name a record: shown as its title and searched first.
TITLE_FIELDS = ("name", "title", "caption", "full_name", "code")
_HEXISH = re.compile(r"[0-9a-fA-F-]{32,}")
_SEARCH_MAX = 2000  # characters of searchable text kept per record


def compose(
    server_fields: Mapping[str, Any],
    server_deleted: bool,
    changes: Iterable[tuple[str, Mapping[str, Any]]],
    draft: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], bool]:
    """The officer's view: server state, then outbox changes ``(op, fields)``, then the draft."""
    view = dict(server_fields)
    deleted = server_deleted
    for op, fields in changes:
        if op == "delete":
            deleted = True
        else:
            view.update(fields)
    if draft:
        view.update(draft)
    return view, deleted


def searchable(view: Mapping[str, Any]) -> tuple[str, str]:
    """(title, search key) of a record's fields."""
    title = ""
    for name in TITLE_FIELDS:
        value = view.get(name)
        if isinstance(value, str) and value.strip():
            title = value.strip()
            break
    parts: list[str] = [title] if title else []
    for name, value in view.items():
        if name in SYSTEM_FIELDS or name in TITLE_FIELDS or not isinstance(value, str):
            continue
        if _HEXISH.fullmatch(value):  # record ids, hashes: noise for a person's search
            continue
        parts.append(value)
    # A search matches each of its words on its own (never across a space), so a word said twice
    # adds nothing to find: keep each once, in order. A shorter key is a smaller, faster index,
    # and keying the distinct words only is less work (search_key goes word by word anyway).
    words = dict.fromkeys(" ".join(parts)[:_SEARCH_MAX].split())
    return title, " ".join(dict.fromkeys(search_key(" ".join(words)).split()))


def layers(
    store: Store, row: Mapping[str, Any], *, with_rejected: bool
) -> list[tuple[str, dict[str, Any]]]:
    """Layer 2 of a record's row: its outbox changes ``(op, fields)`` the pulled state lacks."""
    out = []
    for op, fields, state, *_ in stored_outbox.visible(store, row["record_id"], row["rev"]):
        if state == "rejected" and not with_rejected:
            continue
        out.append((op, json.loads(fields)))
    return out


def recompute(store: Store, record_id: str) -> None:
    """Compose the record's layers again and store the view (the caller holds the transaction)."""
    row = stored.get(store, record_id)
    assert row is not None
    draft = json.loads(row["draft_fields"]) if row["draft_fields"] is not None else None
    view, deleted = compose(
        json.loads(row["server_fields"]),
        bool(row["server_deleted"]),
        layers(store, row, with_rejected=True),
        draft,
    )
    title, key = searchable(view)
    stored.set_view(
        store,
        record_id,
        fields=dumps(view),
        deleted=deleted,
        title=title,
        search_key=key,
        unit=view.get("unit"),
        now=utc_now(),
    )


# One encoder for every record: ``json.dumps`` with arguments builds a new one per call, which was
# a third of the cost of serializing a pulled record's 2 KB of fields.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    """The JSON text of a record's fields as the store keeps it (compact, UTF-8 as is)."""
    return _ENCODER.encode(value)
