"""The summary's figures recounted the straightforward way: every live record looked at in Python,
the period rule of ``shared_schema.periods`` asked of it and of the records it names.

The reference the kept sums (``unit_tallies``, ``period_tallies``, placed facts) are compared
with: it shares only what one record adds (``fact_of``, ``contributions``) and how a figure is
named in the answer (``Tally``), not how records are placed, dated or summed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from server.services.reports import Tally
from server.store.facts import contributions, fact_of
from shared_schema import periods

Record = tuple[str, str, dict[str, Any]]  # entity, unit, fields


def _area(live: Mapping[str, Record], entity: str, fields: Mapping[str, Any]) -> str | None:
    """A model's residential area; a visit's or evidence's: its (visit's) model's."""
    if entity == "model":
        return fields.get("residential_area")
    if entity not in ("visit", "evidence"):
        return None
    model = fields.get("model")
    visit = live.get(fields.get("visit") or "")
    if visit is not None and visit[0] in ("visit", "evidence") and visit[2].get("model"):
        model = visit[2]["model"]
    found = live.get(model or "")
    return found[2].get("residential_area") if found and found[0] == "model" else None


def recount(
    live: Mapping[str, Record],
    files: set[str],
    code: str,
    *,
    subtree: set[str],
    child_of: Mapping[str, str],
    by_area: bool,
    period: tuple[str, str] | None,
) -> dict[str, Any]:
    """``{"totals", "own", "children": {code: figures}}`` as ``reports.summary`` should give."""

    def named(rid: str) -> tuple[str, Mapping[str, Any]] | None:
        found = live.get(rid)
        return None if found is None else (found[0], found[2])

    totals, own = Tally(), Tally()
    kids: dict[str, Tally] = defaultdict(Tally)
    for rid, (entity, unit, fields) in live.items():
        if unit not in subtree or entity == "residential_area":
            continue
        if not periods.record_counts(entity, fields, period, named):
            continue
        fact = fact_of(entity, rid, unit, fields)
        assert fact is not None
        adds = contributions(fact)
        if entity == "evidence" and (fields.get("sha256") or "") not in files:
            adds.append(("evidence.missing", 1))
        child = _area(live, entity, fields) if by_area else child_of.get(unit)
        for key, n in adds:
            totals.add(key, n)
            if unit == code:
                own.add(key, n)
            if child is not None:
                kids[child].add(key, n)
    return {
        "totals": totals.as_dict(),
        "own": None if by_area else own.as_dict(),
        "children": {k: v.as_dict() for k, v in kids.items()},
    }


def figures_of(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The same shape from an answer of ``reports.summary`` (children with no figure left out)."""
    empty = Tally().as_dict()
    children = {}
    for child in summary["children"]:
        figures = {k: v for k, v in child.items() if k not in ("unit", "report")}
        if figures != empty:
            children[child["unit"]["code"]] = figures
    return {"totals": summary["totals"], "own": summary["own"], "children": children}


def assert_kept_sums_agree(
    live_server: Any, codes: tuple[str, ...], plan: Mapping[str, Any] | None = None
) -> None:
    """``reports.summary`` of each unit of ``codes`` (district or province) equals the recount of
    every live record the server holds; with ``plan``, for that plan's period."""
    import orjson
    from sqlalchemy import select

    from server.db.engine import make_engine, read_tx
    from server.db.schema import attachments, records
    from server.services import reports
    from server.services.auth import Principal
    from server.store import units

    admin = Principal(user_id=0, username="t", role="admin", units=("67",), device_id="t")
    engine = make_engine(live_server.settings().db_url)
    period = (plan["period"]["from"], plan["period"]["to"]) if plan else None
    try:
        with read_tx(engine) as conn:
            q = select(records.c.record_id, records.c.entity, records.c.unit, records.c.fields)
            live = {
                r.record_id: (r.entity, r.unit, orjson.loads(r.fields))
                for r in conn.execute(q.where(records.c.deleted.is_(False)))
                if r.unit is not None
            }
            files = set(conn.execute(select(attachments.c.sha256)).scalars())
            for code in codes:
                child_of = units.child_of_each(conn, code)
                want = recount(
                    live,
                    files,
                    code,
                    subtree=set(child_of) | {code},
                    child_of=child_of,
                    by_area=False,
                    period=period,
                )
                got = reports.summary(conn, admin, code, plan["plan_id"] if plan else None)
                assert figures_of(got) == want
    finally:
        engine.dispose()
