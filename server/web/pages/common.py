"""What several pages share: the units a caller may pick, choice lists for the filters."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection

from server.services.auth import Principal
from server.services.units import units_in_scope
from shared_schema.entities import ENTITIES
from shared_schema.forms import load_default_forms

_LEVEL_ORDER = {"province": 0, "district": 1, "commune": 2}


def pickable_units(conn: Connection, who: Principal) -> list[dict[str, Any]]:
    """The caller's units and everything under them, province first, then districts, communes."""
    rows = units_in_scope(conn, who)
    return sorted(rows, key=lambda u: (_LEVEL_ORDER.get(str(u["level"]), 9), str(u["code"])))


def choices(entity: str, field: str, lang: str) -> list[tuple[str, str]]:
    fdef = load_default_forms().latest(entity).field(field)
    if fdef is None:
        return []
    return [(c.value, c.label.en if lang == "en" else c.label.vi) for c in fdef.choices or ()]


def entity_names(lang: str) -> list[tuple[str, str]]:
    forms = load_default_forms()
    out = []
    for entity in ENTITIES:
        title = forms.latest(entity).title
        out.append((entity, title.en if lang == "en" else title.vi))
    return out


def query(params: dict[str, Any], **changes: Any) -> str:
    """``params`` with ``changes`` as a query string, empty values left out."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


# The list's filters an export knows (SYNC.md "Reports and downloads"); the entity and the text
# search narrow a page of the list, not a download of the unit's whole dataset.
_EXPORT_FILTERS = ("unit", "content_area", "status", "review_state", "plan", "from", "to")


def download_query(params: dict[str, Any]) -> str:
    """The list's filters for a download link, ``plan`` included (issue 18: it was left out, and
    a plan's list downloaded every record)."""
    return query({k: v for k, v in params.items() if k in _EXPORT_FILTERS})
