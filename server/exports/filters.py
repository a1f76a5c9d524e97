"""Which records an export keeps: by review state and date, by a plan's period, and models with
what hangs off them.

A plan's period: the rule of ``shared_schema.periods`` (SYNC.md "Plans and commune reports"), the
one the summary and the web records list follow. Evidence counts with the visit (or model) it
names: here, whether that visit (model, initiative, activity) is among those :func:`links` kept.

``content_area`` and ``status`` select models; a visit is kept when its model is, an evidence record
when its visit's model is (or its model, when it names no visit). With a model filter the models and
visits are read once more first, to learn which ids match: that pass keeps a set of matching model
and visit ids (about 100 bytes each), the only thing that grows with the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Row

from server import store
from server.exports.columns import review_state_of
from server.exports.query import ExportQuery, PreparedExport
from shared_schema import periods

__all__ = ["Links", "keep", "links"]


@dataclass
class Links:
    """Ids of the models that pass ``content_area``/``status``, and of their visits; with a plan,
    of the initiatives and activities of its period (``others``; None: all of them), whose
    evidence (form set v2) goes with them."""

    models: set[str]
    visits: set[str]
    others: set[str] | None = None


_DATED = frozenset(periods.DATE_FIELD) - {"model"}


def in_period(
    entity: str, fields: dict[str, Any], period: tuple[str, str] | None, received_at: str
) -> bool:
    """Whether a record of ``entity`` counts for a plan of ``period`` (evidence: see ``keep``)."""
    if period is None or entity == "residential_area":
        return True
    dated = periods.with_received_day(entity, fields, received_at)
    return periods.counts(periods.rule_of(entity), periods.day_of(entity, dated), period)


def links(conn: Connection, prepared: PreparedExport) -> Links | None:
    """The matching models and visits, or None when the query has no model filter and no plan."""
    q = prepared.query
    if not q.model_filter and prepared.period is None:
        return None
    found = Links(set(), set())
    unit = prepared.unit_code
    for row in store.records.stream_under(conn, unit, ["model"], include_deleted=True):
        fields = orjson.loads(row.fields)
        if _model_matches(q, fields) and in_period(
            "model", fields, prepared.period, row.created_at
        ):
            found.models.add(row.record_id)
    for row in store.records.stream_under(conn, unit, ["visit"], include_deleted=True):
        fields = orjson.loads(row.fields)
        of_model = not q.model_filter or fields.get("model") in found.models
        if of_model and in_period("visit", fields, prepared.period, row.created_at):
            found.visits.add(row.record_id)
    if prepared.period is not None:
        found.others = set()
        kinds = ["initiative", "activity"]
        for row in store.records.stream_under(conn, unit, kinds, include_deleted=True):
            fields = orjson.loads(row.fields)
            if in_period(row.entity, fields, prepared.period, row.created_at):
                found.others.add(row.record_id)
    return found


def _model_matches(q: ExportQuery, fields: dict[str, Any]) -> bool:
    if q.content_areas is not None and fields.get("content_area") not in q.content_areas:
        return False
    return q.statuses is None or fields.get("status") in q.statuses


def keep(
    q: ExportQuery,
    found: Links | None,
    row: Row[Any],
    fields: dict[str, Any],
    period: tuple[str, str] | None = None,
) -> bool:
    """Whether a record passes the query's filters (``found``: from :func:`links`)."""
    if row.entity in _DATED and not in_period(row.entity, fields, period, row.created_at):
        return False
    if q.review_states is not None and review_state_of(fields) not in q.review_states:
        return False
    if q.date_from is not None or q.date_to is not None:
        day = str(row.updated_at)[:10]
        if q.date_from is not None and day < q.date_from.isoformat():
            return False
        if q.date_to is not None and day > q.date_to.isoformat():
            return False
    if found is None:
        return True
    if row.entity == "model":
        return row.record_id in found.models
    if row.entity == "visit":
        return row.record_id in found.visits
    if row.entity == "evidence":
        parent = periods.evidence_parent(fields)
        if parent is None:
            return False
        if parent[0] in ("visit", "model"):
            return parent[1] in (found.visits if parent[0] == "visit" else found.models)
        return found.others is None or parent[1] in found.others
    return True
