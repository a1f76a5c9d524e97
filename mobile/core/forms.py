"""Form definitions on the device: the server's, cached, over the ones bundled with the app.

A record is validated against the form version it names, forever (SYNC.md), so every version
the device has seen is kept. The server's ``GET /forms`` list is the truth when online; the
forms bundled in ``shared_schema`` let a freshly installed app work before its first sync.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mobile.core.store import Store

if TYPE_CHECKING:
    from mobile.core.http import ApiClient
    from shared_schema.forms import FormDefinition, FormSet

__all__ = ["FormCatalog", "UnknownForm", "form_from_json"]


class UnknownForm(LookupError):
    """No form (or no such version) for this entity on the device."""


def form_from_json(data: dict[str, Any]) -> FormDefinition:
    """A ``FormDefinition`` from the server's JSON (``GET /forms/{id}/{version}``)."""
    from shared_schema.forms import parse_form

    return parse_form(data, source="server")


class FormCatalog:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[tuple[str, int], FormDefinition] = {}

    @cached_property
    def bundled(self) -> FormSet:
        from shared_schema.forms import load_default_forms

        return load_default_forms()

    def get(self, form_id: str, version: int) -> FormDefinition:
        key = (form_id, int(version))
        if key in self._cache:
            return self._cache[key]
        row = self.store.conn.execute(
            "SELECT definition FROM forms WHERE form_id = ? AND version = ?", key
        ).fetchone()
        if row is not None:
            form = form_from_json(json.loads(row[0]))
        else:
            bundled = self.bundled.get(form_id, int(version))
            if bundled is None:
                raise UnknownForm(f"form {form_id} v{version} is not on this device")
            form = bundled
        self._cache[key] = form
        return form

    def latest(self, entity: str) -> FormDefinition:
        """The newest version the server gave us for ``entity``, else the bundled one."""
        row = self.store.conn.execute(
            "SELECT form_id, version FROM forms WHERE entity = ? ORDER BY version DESC LIMIT 1",
            (entity,),
        ).fetchone()
        if row is not None:
            return self.get(row[0], row[1])
        try:
            form = self.bundled.latest(entity)
        except LookupError as exc:
            raise UnknownForm(f"no form for {entity} on this device") from exc
        if form is None:
            raise UnknownForm(f"no form for {entity} on this device")
        return form

    def refresh(self, client: ApiClient) -> int:
        """Fetch the versions the device does not have yet; return how many were added."""
        summaries = client.get_json("/forms")
        have = {
            (r[0], r[1]): r[2]
            for r in self.store.conn.execute("SELECT form_id, version, sha256 FROM forms")
        }
        added = 0
        for s in summaries:
            key = (str(s["form_id"]), int(s["version"]))
            if key in have and have[key] == s.get("sha256"):
                continue  # versions are immutable: same hash, nothing to fetch
            definition = client.get_json(f"/forms/{key[0]}/{key[1]}")
            with self.store.transaction():
                self.store.conn.execute(
                    "INSERT OR REPLACE INTO forms(form_id, version, entity, sha256, definition) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        key[0],
                        key[1],
                        s["entity"],
                        s.get("sha256"),
                        json.dumps(definition, ensure_ascii=False),
                    ),
                )
            self._cache.pop(key, None)
            added += 1
        return added
