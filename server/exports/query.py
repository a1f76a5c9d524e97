"""What an export request asks for, once checked: the export, its unit and its filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from shared_schema.choices import content_areas
from shared_schema.forms import FormSet

__all__ = [
    "CONTENT_AREAS",
    "DEFAULT_HEADERS",
    "EXPORTS",
    "HEADERS",
    "LANGS",
    "ExportQuery",
    "PreparedExport",
    "model_statuses",
]

# Export name → media type.
EXPORTS: dict[str, str] = {
    "records.csv.zip": "application/zip",
    "records.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "models.geojson": "application/geo+json",
    "media.zip": "application/zip",
}
LANGS = ("vi", "en")
# ``keys``: field names as headers, stable for tools that join the files; ``labels``: what a person
# reads (labels in ``lang``, sheets named in ``lang``, referenced records named beside their ids).
HEADERS = ("keys", "labels")
DEFAULT_HEADERS = {name: "labels" if name == "records.xlsx" else "keys" for name in EXPORTS}
CONTENT_AREAS = content_areas()  # from the model form (shared_schema.choices)


def model_statuses(forms: FormSet) -> tuple[str, ...]:
    """Every ``status`` choice of every model form version."""
    out: dict[str, None] = {}
    for form in forms.for_entity("model"):
        f = form.field("status")
        for c in (f.choices if f is not None else None) or ():
            out[c.value] = None
    return tuple(out)


@dataclass(frozen=True)
class ExportQuery:
    """A checked export request. ``None`` for a filter means "not filtered"."""

    name: str
    unit: str
    content_areas: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    review_states: frozenset[str] | None = None
    date_from: date | None = None
    date_to: date | None = None
    lang: str = "vi"
    include_deleted: bool = False
    headers: str = ""  # "keys" or "labels"; "" for the export's default

    @property
    def labels(self) -> bool:
        """Whether the export is for people (``headers=labels``) rather than for tools."""
        return (self.headers or DEFAULT_HEADERS.get(self.name, "keys")) == "labels"

    @property
    def model_filter(self) -> bool:
        return self.content_areas is not None or self.statuses is not None


@dataclass(frozen=True)
class PreparedExport:
    """Everything checked against the caller's scope: what to send, under which name and type."""

    query: ExportQuery
    unit: dict[str, Any]  # code, name, level, parent of the unit whose subtree is exported
    filename: str
    media_type: str
    # (from, to) of a plan's period: only the records that count for the plan (SYNC.md's rule)
    period: tuple[str, str] | None = None

    @property
    def unit_code(self) -> str:
        return str(self.unit["code"])
