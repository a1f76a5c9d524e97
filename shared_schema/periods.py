"""The plan period rule (SYNC.md "Plans and commune reports"), one definition for every reader.

A record counts for a plan when its own date falls in the plan's period: ``activity.date``,
``visit.visit_date``, ``initiative.submitted_date``; a model when its ``start_date`` is on or
before the period's end, and a model without one when the day the server first received it
(Vietnam time) is (:func:`with_received_day`); evidence with the record it names
(:func:`evidence_parent`: its visit, else its model, initiative or activity); residential areas
always. Any other record without its date (or with one that is
not a calendar day ``YYYY-MM-DD``) does not count.

The summary (``server/store/periods.py``), the exports' ``plan`` filter
(``server/exports/filters.py``) and the web records list (``server/services/browse.py``) all
decide with these functions; they differ only in how they find the record an evidence names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = [
    "DATE_FIELD",
    "EVIDENCE_PARENTS",
    "UPTO",
    "WITHIN",
    "counts",
    "day_of",
    "evidence_parent",
    "iso_day",
    "place",
    "received_day",
    "record_counts",
    "rule_of",
    "with_received_day",
]

# The field whose date places a record of each entity in a period.
DATE_FIELD = {
    "activity": "date",
    "visit": "visit_date",
    "initiative": "submitted_date",
    "model": "start_date",
}
# The fields by which an evidence record names the record it documents, in the order they are
# read: v1 names a visit or a model, v2 an initiative (its dossier) or an activity too.
EVIDENCE_PARENTS = ("visit", "model", "initiative", "activity")
WITHIN = "r"  # counts when from <= day <= to
UPTO = "u"  # counts when day <= to (a model: started by the period's end)

Period = tuple[str, str]  # (from, to), ISO days


def iso_day(value: Any) -> str | None:
    """``value`` when it is a calendar day written ``YYYY-MM-DD``, else None."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        date.fromisoformat(value)
    except ValueError:
        return None
    return value


_VIETNAM = timedelta(hours=7)


def received_day(stamp: Any) -> str | None:
    """The Vietnam day (UTC+7) of a server timestamp ``YYYY-MM-DDTHH:MM:SS[.fff]Z``."""
    if not isinstance(stamp, str):
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when.astimezone(UTC) + _VIETNAM).date().isoformat()


def with_received_day(
    entity: str, fields: Mapping[str, Any], received_at: Any
) -> Mapping[str, Any]:
    """A model's fields for the period rule: without a ``start_date`` (a calendar day), the day the
    server first received it stands in (SYNC.md "Plans and commune reports": an undated model was
    left out of every plan, Đắk Wil's report counted 3 models of its 4). Others as they are."""
    if entity != "model" or iso_day(fields.get("start_date")) is not None:
        return fields
    day = received_day(received_at)
    return fields if day is None else {**fields, "start_date": day}


def day_of(entity: str, fields: Mapping[str, Any]) -> str | None:
    """The record's own date for the period rule (None for evidence and residential areas)."""
    name = DATE_FIELD.get(entity)
    return iso_day(fields.get(name)) if name else None


def rule_of(entity: str) -> str | None:
    """:data:`UPTO` for a model, :data:`WITHIN` for a dated record, None for the others."""
    if entity == "model":
        return UPTO
    return WITHIN if entity in DATE_FIELD else None


def counts(rule: str | None, day: str | None, period: Period) -> bool:
    """Whether a day under ``rule`` (:func:`rule_of`) falls in ``period``."""
    if rule is None or day is None:
        return False
    start, end = period
    return day <= end if rule == UPTO else start <= day <= end


Lookup = Callable[[str], tuple[str, Mapping[str, Any]] | None]


def evidence_parent(fields: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(entity, record_id)`` of the record an evidence names: the first of
    :data:`EVIDENCE_PARENTS` it fills, or None."""
    for name in EVIDENCE_PARENTS:
        ref = fields.get(name)
        if isinstance(ref, str) and ref:
            return name, ref
    return None


def place(entity: str, fields: Mapping[str, Any], named: Lookup) -> tuple[str | None, str | None]:
    """``(rule, day)`` that decide whether a record counts (:func:`counts`): its own, or for
    evidence those of the record it names (:func:`evidence_parent`).

    ``named(record_id)`` gives ``(entity, fields)`` of the record an evidence names, or None when
    the reader does not hold it (then the evidence does not count)."""
    if entity != "evidence":
        return rule_of(entity), day_of(entity, fields)
    parent = evidence_parent(fields)
    found = named(parent[1]) if parent is not None else None
    if parent is None or found is None or found[0] != parent[0]:
        return None, None
    return rule_of(parent[0]), day_of(parent[0], found[1])


def record_counts(
    entity: str, fields: Mapping[str, Any], period: Period | None, named: Lookup
) -> bool:
    """Whether a record counts for a plan of ``period`` (every record when there is no plan)."""
    if period is None or entity == "residential_area":
        return True
    return counts(*place(entity, fields, named), period)
