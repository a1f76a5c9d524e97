"""Form definitions on the device: the server's, cached, over the ones bundled with the app.

A record is validated against the form version it names, forever (SYNC.md), so every version
the device has seen is kept. The server's ``GET /forms`` list is the truth when online; the
forms bundled in ``shared_schema`` let a freshly installed app work before its first sync.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mobile.core.errors import DeviceErrorCode, UnknownForm
from mobile.core.store import Store
from mobile.core.store import reference as stored

if TYPE_CHECKING:
    from mobile.core.http import ApiClient
    from shared_schema.forms import FormDefinition, FormSet

__all__ = ["FORMS_ETAG", "FormCatalog", "UnknownForm", "form_from_json"]

FORMS_ETAG = "forms_etag"  # the device state key of the last ``GET /forms`` list's ETag


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
        text = stored.form_definition(self.store, *key)
        if text is not None:
            form = form_from_json(json.loads(text))
        else:
            bundled = self.bundled.get(form_id, int(version))
            if bundled is None:
                raise UnknownForm(DeviceErrorCode.UNKNOWN_FORM, form_id=form_id, version=version)
            form = bundled
        self._cache[key] = form
        return form

    def latest(self, entity: str) -> FormDefinition:
        """The newest version the server gave us for ``entity``, else the bundled one."""
        newest = stored.latest_form(self.store, entity)
        if newest is not None:
            return self.get(*newest)
        try:
            form = self.bundled.latest(entity)
        except LookupError as exc:
            raise UnknownForm(DeviceErrorCode.NO_FORM, entity=entity) from exc
        if form is None:
            raise UnknownForm(DeviceErrorCode.NO_FORM, entity=entity)
        return form

    def refresh(self, client: ApiClient) -> int:
        """Bring the cached versions up to the server's list; return how many were added.

        Round trips are what a slow link pays for, so: the list is asked for with the
        ``ETag`` of the last one (``If-None-Match``; ``304`` when nothing changed), a version
        the device holds with the same hash is not fetched (versions are immutable), and a
        version bundled with the app whose hash matches the server's is taken from the bundle,
        not fetched: the hash is of the definition's canonical JSON, so the two are the same.
        """
        headers = {}
        etag = self.store.get_state(FORMS_ETAG)
        if etag:
            headers["If-None-Match"] = str(etag)
        resp = client.request("GET", "/forms", headers=headers, ok=(200, 304))
        if resp.status_code == 304:
            return 0
        summaries = resp.json()
        have = stored.form_hashes(self.store)
        added = 0
        for s in summaries:
            key = (str(s["form_id"]), int(s["version"]))
            sha = s.get("sha256")
            if key in have and have[key] == sha:
                continue  # versions are immutable: same hash, nothing to fetch
            bundled = self.bundled.get(*key)
            if bundled is not None and sha and bundled.sha256 == sha:
                definition = bundled.model_dump(mode="json")
            else:
                definition = client.get_json(f"/forms/{key[0]}/{key[1]}")
            with self.store.transaction():
                stored.save_form(
                    self.store,
                    form_id=key[0],
                    version=key[1],
                    entity=s["entity"],
                    sha256=sha,
                    definition=json.dumps(definition, ensure_ascii=False),
                )
            self._cache.pop(key, None)
            added += 1
        new_etag = resp.headers.get("ETag")
        with self.store.transaction():
            if new_etag:
                self.store.set_state(FORMS_ETAG, new_etag)
            else:
                self.store.delete_state(FORMS_ETAG)
        return added
