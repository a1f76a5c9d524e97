"""``server/store/periods.py``: a plan's summary and a commune's, read from sums and placements kept
on write, equal a straightforward recount (``tests/support/recount.py``) over random records with
edits, deletes, moves between units and areas, evidence written before its visit, files that
arrive later, and periods that do and do not align with years and months; and a rebuild (what
migration 0004 runs) finds the same sums. SQLite and PostgreSQL."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from server.db.engine import make_engine, read_tx, write_tx
from server.db.migrate import upgrade
from server.db.schema import period_tallies, record_facts
from server.services import plans, reports
from server.services.auth import Principal
from server.services.units import import_units
from server.store import facts, periods
from server.store import units as store_units
from tests.support.recount import Record, figures_of, recount

ADMIN = Principal(user_id=0, username="t", role="admin", units=("67",), device_id="t")
COMMUNES = ("24643", "24640", "24667")  # two of Cư Jút (662), one of Đắk Mil (663)
DISTRICTS = ("662", "663")
PERIODS = (
    ("2022-01-01", "2022-12-31"),  # a whole year
    ("2022-02-01", "2022-03-31"),  # whole months
    ("2021-12-15", "2022-02-10"),  # cut months at both ends
    ("2022-02-28", "2022-02-28"),  # one day
    ("2020-06-30", "2023-01-01"),  # cut years and months
)
_SHAS = [f"{i:064x}" for i in range(12)]


@pytest.mark.parametrize(
    ("start", "end"),
    [("2021-12-15", "2024-02-10"), ("2022-01-01", "2022-12-31"), ("2022-03-31", "2022-04-01")],
)
def test_cover_is_every_day_once(start: str, end: str) -> None:
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    days: list[str] = []
    for grain, lo, hi in periods.cover(first, last):
        d = date.fromisoformat(lo + {"y": "-01-01", "m": "-01", "d": ""}[grain])
        while d.isoformat()[: len(hi)] <= hi:
            days.append(d.isoformat())
            d += timedelta(days=1)
    want = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    assert days == want
    assert len(periods.cover(date.min, last)) <= 3  # years, months, days: a few ranges


def _day(rng: random.Random) -> str | None:
    if rng.random() < 0.08:
        return None  # no date: counts for no plan
    return (date(2021, 11, 1) + timedelta(days=rng.randrange(520))).isoformat()


class World:
    """Random records and changes to them, kept here as the truth."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.live: dict[str, Record] = {}
        self.files: set[str] = set()
        self.future: list[str] = []  # ids named before their record is written

    def _pick(self, entity: str) -> str | None:
        ids = [k for k, v in self.live.items() if v[0] == entity]
        return self.rng.choice(ids) if ids else None

    def _new(self, entity: str) -> tuple[str, Record]:
        rng = self.rng
        unit = rng.choice(COMMUNES)
        f: dict[str, Any] = {"unit": unit, "form_id": f"dkst_{entity}", "form_version": 1}
        if entity == "residential_area":
            f["name"] = f"Thôn {rng.randrange(1, 30)}"
        elif entity == "model":
            if rng.random() < 0.15:
                unit = f["unit"] = rng.choice(DISTRICTS)
            else:
                f["residential_area"] = self._pick("residential_area")
            f |= {
                "content_area": str(rng.randrange(1, 6)),
                "status": rng.choice(("building", "operating", "stopped")),
                "lead_organization": rng.choice(("mttq", "farmers_union")),
                "linked_campaigns": rng.sample(["cultural_life", "prefer_vietnamese_goods"], 1),
                "start_date": _day(rng),
                "participating_people": rng.randrange(0, 50),
                "labour_days": rng.randrange(0, 9),
            }
        elif entity == "visit":
            f |= {"model": self._ref("model"), "visit_date": _day(rng)}
        elif entity == "evidence":
            f["sha256"] = rng.choice(_SHAS)
            if rng.random() < 0.7:
                f["visit"] = self._ref("visit")
            else:
                f["model"] = self._ref("model")
        elif entity == "initiative":
            f |= {"status": "submitted", "submitted_date": _day(rng)}
        else:
            f |= {"kind": "conference", "date": _day(rng), "attendees": rng.randrange(1, 90)}
        rid = self.future.pop() if self.future and rng.random() < 0.3 else str(uuid.uuid4())
        return rid, (entity, unit, f)

    def _ref(self, entity: str) -> str | None:
        if self.rng.random() < 0.15:  # a record not written yet (or never)
            self.future.append(str(uuid.uuid4()))
            return self.future[-1]
        return self._pick(entity)

    def _edit(self, rid: str) -> Record:
        entity, unit, fields = self.live[rid]
        f, rng = dict(fields), self.rng
        if rng.random() < 0.3:  # a move to another unit
            unit = f["unit"] = rng.choice(COMMUNES)
        if entity == "model":
            f["residential_area"] = self._pick("residential_area")
            f["start_date"] = _day(rng)
            f["status"] = rng.choice(("building", "operating", "stopped"))
        elif entity == "visit":
            f["visit_date"] = _day(rng)
            if rng.random() < 0.5:
                f["model"] = self._pick("model")
        elif entity == "evidence":
            f["visit"] = self._pick("visit") if rng.random() < 0.6 else None
        elif entity in ("initiative", "activity"):
            f["submitted_date" if entity == "initiative" else "date"] = _day(rng)
        return entity, unit, f

    def batch(self, size: int) -> list[dict[str, Any]]:
        """Changes to write in one transaction (each record once), applied to the truth."""
        rng, out = self.rng, {}
        kinds = ["residential_area", "model", "model", "visit", "visit", "evidence", "evidence"]
        kinds += ["initiative", "activity"]
        for _ in range(size):
            roll = rng.random()
            rid = rng.choice(list(self.live)) if self.live else None
            if rid is not None and rid not in out and roll < 0.25:
                record, deleted = self._edit(rid), False
            elif rid is not None and rid not in out and roll < 0.35:
                record, deleted = self.live[rid], True
            else:
                rid, record = self._new(rng.choice(kinds))
                if rid in out or rid in self.live:
                    continue
                deleted = False
            entity, unit, fields = record
            out[rid] = {
                "record_id": rid,
                "entity": entity,
                "unit": unit,
                "fields": fields,
                "deleted": deleted,
            }
            if deleted:
                self.live.pop(rid)
            else:
                self.live[rid] = record
        return list(out.values())


def _check(conn: Any, world: World, plan_ids: dict[str, tuple[str, str] | None]) -> None:
    for code in ("67", "662", COMMUNES[0]):
        target = store_units.get_in_scope(conn, code, ("67",))
        assert target is not None
        by_area = target["level"] == "commune"
        subtree = set(store_units.child_of_each(conn, code)) | {code}
        child_of = store_units.child_of_each(conn, code)
        for plan_id, period in plan_ids.items():
            got = figures_of(reports.summary(conn, ADMIN, code, plan_id or None))
            want = recount(
                world.live,
                world.files,
                code,
                subtree=subtree,
                child_of=child_of,
                by_area=by_area,
                period=period,
            )
            empty = reports.Tally().as_dict()
            want["children"] = {
                k: v for k, v in want["children"].items() if k in got["children"] or v != empty
            }
            if by_area:  # residential areas of other communes, or never written, are no child
                listed = {k for k, v in world.live.items() if v[:2] == ("residential_area", code)}
                want["children"] = {k: v for k, v in want["children"].items() if k in listed}
            assert got == want, (code, period)


def _sums(conn: Any) -> tuple[set[Any], set[Any]]:
    t, f = period_tallies, record_facts
    tallies = {tuple(r) for r in conn.execute(select(t)) if r.n}
    placed = set(conn.execute(select(f.c.record_id, f.c.p_rule, f.c.p_day, f.c.p_area)))
    return tallies, {tuple(r) for r in placed}


def test_plan_and_commune_sums_equal_a_recount(database_url: str | None, tmp_path: Any) -> None:
    engine = make_engine(database_url or f"sqlite:///{tmp_path}/t.sqlite3")
    upgrade(engine)
    world = World(seed=10)
    plan_ids: dict[str, tuple[str, str] | None] = {"": None}
    with write_tx(engine) as conn:
        import_units(conn, source="legacy", under="67")
        for i, (start, end) in enumerate(PERIODS):
            plan = plans.create_plan(
                conn,
                ADMIN,
                {
                    "number": f"{i}/KH",
                    "title": {"vi": "Kế hoạch", "en": None},
                    "unit": "67",
                    "issued_on": start,
                    "period": {"from": start, "to": end},
                    "deadline": end,
                },
            )
            plan_ids[plan["plan_id"]] = (start, end)
    try:
        for step in range(8):
            with write_tx(engine) as conn:
                facts.upsert(conn, world.batch(60))
                if step % 3 == 2:  # some files arrive
                    new = [s for s in _SHAS[: 4 * step] if s not in world.files]
                    stamp = "2026-12-01T00:00:00.000Z"
                    files = [
                        {"sha256": s, "media_type": "image/jpeg", "size": 1}
                        | {"created_at": stamp, "completed_at": stamp}
                        for s in new
                    ]
                    facts.bulk_load(conn, [], files)
                    world.files |= set(new)
            with read_tx(engine) as conn:
                _check(conn, world, plan_ids)
        assert len(world.live) > 150
        with read_tx(engine) as conn:
            kept = _sums(conn)
        with write_tx(engine) as conn:
            periods.rebuild(conn)  # places every fact again, as migration 0004 does
        with read_tx(engine) as conn:
            assert _sums(conn) == kept
    finally:
        engine.dispose()
