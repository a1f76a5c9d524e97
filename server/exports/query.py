"""What an export request asks for, once checked: the export, its unit and its filters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from server.errors import ServerError
from shared_schema.choices import content_areas
from shared_schema.entities import REVIEW_STATES
from shared_schema.errors import ErrorCode
from shared_schema.forms import FormSet, load_default_forms

__all__ = [
    "CONTENT_AREAS",
    "DEFAULT_HEADERS",
    "EXPORTS",
    "HEADERS",
    "LANGS",
    "ExportQuery",
    "PreparedExport",
    "model_statuses",
    "parse_query",
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
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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
    tree: str | None = None  # the server's tree of units: the unit columns' words follow it
    # The form versions whose fields are columns: shipped, and those published around the unit
    # as XLSForms (services.forms.forms_around); None: the shipped ones only
    forms: FormSet | None = None

    @property
    def form_set(self) -> FormSet:
        return self.forms if self.forms is not None else load_default_forms()

    @property
    def unit_code(self) -> str:
        return str(self.unit["code"])


# ---------------------------------------------------------------------------- the query string
def _bad(parameter: str, **details: Any) -> ServerError:
    return ServerError(ErrorCode.INVALID_REQUEST, {"parameter": parameter, **details})


def _choice_set(parameter: str, raw: str | None, allowed: Iterable[str]) -> frozenset[str] | None:
    if raw is None or raw == "":
        return None
    allowed = tuple(allowed)
    values = frozenset(v.strip() for v in raw.split(","))
    if not values <= set(allowed):
        raise _bad(parameter, allowed=list(allowed))
    return values


def _date(parameter: str, raw: str | None) -> date | None:
    if raw is None or raw == "":
        return None
    if not _DATE_RE.fullmatch(raw):
        raise _bad(parameter, expected="YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(parameter, expected="YYYY-MM-DD") from None


def parse_query(
    name: str,
    *,
    unit: str | None,
    content_area: str | None = None,
    status: str | None = None,
    review_state: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    lang: str | None = None,
    include_deleted: str | None = None,
    headers: str | None = None,
) -> ExportQuery:
    """Check the export name (``not_found``) and every filter (``invalid_request``).

    ``unit`` is only checked for presence here; scope needs the database
    (``services.downloads.prepare``). The API's route and the staff pages' downloads both parse
    with it.
    """
    if name not in EXPORTS:
        raise ServerError(ErrorCode.NOT_FOUND)
    forms = load_default_forms()
    lang = lang or "vi"
    if lang not in LANGS:
        raise _bad("lang", allowed=list(LANGS))
    raw_deleted = (include_deleted or "false").strip().lower()
    if raw_deleted not in ("true", "false", "1", "0"):
        raise _bad("include_deleted", allowed=["true", "false"])
    if headers not in (None, "", *HEADERS):
        raise _bad("headers", allowed=list(HEADERS))
    day_from = _date("from", date_from)
    day_to = _date("to", date_to)
    if day_from and day_to and day_from > day_to:
        raise _bad("from", reason="from is after to")
    if not unit:
        raise _bad("unit")
    return ExportQuery(
        name=name,
        unit=unit,
        content_areas=_choice_set("content_area", content_area, CONTENT_AREAS),
        statuses=_choice_set("status", status, model_statuses(forms)),
        review_states=_choice_set("review_state", review_state, REVIEW_STATES),
        date_from=day_from,
        date_to=day_to,
        lang=lang,
        include_deleted=raw_deleted in ("true", "1"),
        headers=headers or "",
    )
