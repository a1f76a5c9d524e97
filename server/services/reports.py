"""``GET /reports/summary``: a unit's consolidated figures, per child unit (SYNC.md).

For a district or province the children are its child units; for a commune they are its
residential areas (records), and models, visits and evidence are attributed to a residential area
through the references between them (evidence → visit → model → residential area, or evidence →
model). Initiatives and activities belong to a commune, not to a residential area, so under a
commune they appear in the totals only.

``participants`` is the sum of the models' ``participating_people``. ``evidence_missing`` counts
evidence records whose file has not reached the server yet. ``report`` is the commune's report
against a plan's deadline; plans are not in this version, so ``plan`` and ``report`` are null and
a ``plan`` that is asked for does not exist (404).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson
from sqlalchemy import Connection

from server import store
from server.errors import ServerError
from server.services.auth import Principal
from server.services.units import unit_in_scope
from shared_schema.errors import ErrorCode
from shared_schema.forms import load_default_forms

_CONTENT_AREAS = ("1", "2", "3", "4", "5")


def _choices(entity: str, field: str) -> tuple[str, ...]:
    fdef = load_default_forms().latest(entity).field(field)
    return fdef.choice_values if fdef is not None else ()


class _Tally:
    """The figures of one child (or of the totals)."""

    def __init__(self) -> None:
        self.content = dict.fromkeys(_CONTENT_AREAS, 0)
        self.status = dict.fromkeys(_choices("model", "status"), 0)
        self.initiatives = dict.fromkeys(_choices("initiative", "status"), 0)
        self.participants = 0
        self.visits = 0
        self.evidence = 0
        self.evidence_missing = 0

    def add_model(self, f: dict[str, Any]) -> None:
        area, status, people = f.get("content_area"), f.get("status"), f.get("participating_people")
        if isinstance(area, str) and area in self.content:
            self.content[area] += 1
        if isinstance(status, str):
            self.status[status] = self.status.get(status, 0) + 1
        if isinstance(people, int) and not isinstance(people, bool):
            self.participants += people

    def add_initiative(self, f: dict[str, Any]) -> None:
        status = f.get("status")
        if isinstance(status, str):
            self.initiatives[status] = self.initiatives.get(status, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "models": {"by_content_area": self.content, "by_status": self.status},
            "participants": self.participants,
            "visits": self.visits,
            "evidence": self.evidence,
            "evidence_missing": self.evidence_missing,
            "initiatives": {"by_status": self.initiatives},
        }


def summary(
    conn: Connection, who: Principal, *, unit: str | None, plan: str | None
) -> dict[str, Any]:
    target = unit_in_scope(conn, who, unit)
    if plan is not None:
        raise ServerError(ErrorCode.NOT_FOUND, {"plan": plan})
    by_commune = target["level"] == "commune"

    # Which child each record counts for: by unit (district and above) or by residential area.
    child_units: list[dict[str, Any]] = []
    unit_to_child: dict[str, str] = {}
    if not by_commune:
        child_units = store.units.children(conn, target["code"])
        if child_units:
            unit_to_child = store.units.child_of_each(conn, target["code"])

    totals = _Tally()
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    area_names: dict[str, str] = {}
    model_area: dict[str, str | None] = {}
    visit_model: dict[str, str | None] = {}
    evidence: list[tuple[str | None, str | None]] = []  # (child key, sha256)

    def key_of(unit_code: str | None, area: str | None) -> str | None:
        return area if by_commune else unit_to_child.get(unit_code or "")

    rows = store.records.stream_under(
        conn, target["code"], ("residential_area", "model", "visit", "evidence", "initiative")
    )
    # Rows come by entity (evidence, initiative, model, residential_area, visit): keep the few
    # references needed to place evidence and visits, then place them at the end.
    visits: list[tuple[str, str | None, str | None]] = []
    ev_rows: list[tuple[str | None, str | None, str | None, str | None]] = []
    for r in rows:
        f = orjson.loads(r.fields)
        if r.entity == "residential_area":
            area_names[r.record_id] = str(f.get("name") or "")
        elif r.entity == "model":
            area = f.get("residential_area") if isinstance(f.get("residential_area"), str) else None
            model_area[r.record_id] = area
            totals.add_model(f)
            k = key_of(r.unit, area)
            if k is not None:
                tallies[k].add_model(f)
        elif r.entity == "visit":
            m = f.get("model") if isinstance(f.get("model"), str) else None
            visit_model[r.record_id] = m
            visits.append((r.record_id, r.unit, m))
        elif r.entity == "evidence":
            ev_rows.append((r.unit, f.get("visit"), f.get("model"), f.get("sha256")))
        elif r.entity == "initiative":
            totals.add_initiative(f)
            if not by_commune:
                k = key_of(r.unit, None)
                if k is not None:
                    tallies[k].add_initiative(f)

    for _rid, unit_code, m in visits:
        totals.visits += 1
        k = key_of(unit_code, model_area.get(m or ""))
        if k is not None:
            tallies[k].visits += 1
    for unit_code, v, m, sha in ev_rows:
        model = visit_model.get(v) if isinstance(v, str) and v in visit_model else m
        area = model_area.get(model) if isinstance(model, str) else None
        evidence.append((key_of(unit_code, area), sha if isinstance(sha, str) else None))
    present = store.attachments.complete_among(conn, {s for _, s in evidence if s})
    for k, sha in evidence:
        missing = sha is None or sha not in present
        totals.evidence += 1
        totals.evidence_missing += missing
        if k is not None:
            tallies[k].evidence += 1
            tallies[k].evidence_missing += missing

    if by_commune:
        child_list = [
            {"code": rid, "name": name, "level": "residential_area"}
            for rid, name in sorted(area_names.items(), key=lambda kv: (kv[1], kv[0]))
        ]
    else:
        child_list = [
            {"code": c["code"], "name": c["name"], "level": c["level"]} for c in child_units
        ]
    return {
        "unit": {"code": target["code"], "name": target["name"], "level": target["level"]},
        "plan": None,
        "totals": totals.as_dict(),
        "children": [
            {"unit": cu, **tallies[cu["code"]].as_dict(), "report": None} for cu in child_list
        ],
    }
