"""The summary report at scale: ``GET /reports/summary`` of a district and of a province.

Loads N records (default 1,000,000) over the units of Tỉnh Đắk Nông (67: 8 districts, 71
communes) into a fresh database, then times the service behind ``GET /reports/summary``
(``server.services.reports.summary``, in-process: the figures, not HTTP) for a district (Cư Jút,
662), the province, the district with a plan (its period counted from the fact rows) and one
commune: the median wall-clock ms of ``--runs`` runs, and the mean CPU ms they cost (this
process, plus the PostgreSQL backend's from /proc), which a shared machine does not inflate. ``--n 100000,1000000`` loads in steps and measures
at each, to show whether the time stays flat as records grow.

The records are inserted directly through the store (``server.store.facts.bulk_load``: the
``records`` rows and their report facts and tallies, as a push writes them, without the change
log and the merge), because pushing a million records through HTTP takes longer than the
measurement is worth. Per block of 100 records in one commune: 2 residential areas, 20 models
(one in twenty a model of the district itself), 30 visits, 35 evidence records, 5 initiatives,
8 activities; dates spread over 2019–2025. Files are uploaded, except for a backlog of 1,000
evidence records at each step (the photos still on officers' phones: how many there are depends
on how often phones sync, not on how many records the server holds; each one costs the summary an
index probe).

Then, at each step: the plan summaries that the period rule makes harder (the province and a
commune under a plan whose period cuts months at both ends), the staff web dashboard of the
district and of the province and the first page of a filtered records list (through HTTP, the app
in-process: rendering included; median ms), and ``records.csv.zip`` of the whole province
(seconds, and the peak RSS of a fresh process that streams it; targets < 60 s, < 300 MB).

Run: ``python bench/reports.py`` (``--n``, ``--runs``, ``--only sqlite|postgresql``). Prints a
table and one JSON line with the conditions. PostgreSQL needs its server binaries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from bench.report_pages import WEB_PASSWORD, WEB_USER, csv_zip, print_more, web_pages  # noqa: E402
from server.db.engine import make_engine, read_tx, write_tx  # noqa: E402
from server.db.migrate import upgrade  # noqa: E402
from server.services import plans, reports  # noqa: E402
from server.services.auth import Principal, add_user  # noqa: E402
from server.services.units import import_units  # noqa: E402
from server.store import facts  # noqa: E402
from server.store import units as store_units  # noqa: E402

PROVINCE, DISTRICT, COMMUNE = "67", "662", "24643"
ADMIN = Principal(user_id=0, username="bench", role="admin", units=(PROVINCE,), device_id="bench")
BLOCK = (
    ["residential_area"] * 2
    + ["model"] * 20
    + ["visit"] * 30
    + ["evidence"] * 35
    + ["initiative"] * 5
    + ["activity"] * 8
)
CHUNK = 10_000
_FILES = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(1000)]
_PRESENT = [s for i, s in enumerate(_FILES) if i % 50]  # one file in fifty never arrives
BACKLOG = 1000  # evidence records loaded at each step whose file has not arrived
_START = dt.date(2019, 1, 1).toordinal()


def _day(rng: random.Random) -> str:
    return dt.date.fromordinal(_START + rng.randrange(7 * 365)).isoformat()


class Generator:
    """Records in blocks of 100, commune after commune."""

    def __init__(self, communes: list[tuple[str, str]], seed: int = 10) -> None:
        self.communes = communes  # (commune, its district)
        self.rng = random.Random(seed)
        self.seq = 0
        self.block = 0
        self.pending = 0  # evidence records still to be given a file that is not uploaded

    def _fields(
        self, entity: str, unit: str, district: str, ctx: dict[str, str]
    ) -> tuple[str, dict[str, Any]]:
        rng = self.rng
        base = {"unit": unit, "form_id": f"dkst_{entity}", "form_version": 1}
        if entity == "residential_area":
            return unit, base | {
                "name": f"Thôn {rng.randrange(1, 30)}",
                "kind": "thon",
                "households": rng.randrange(50, 400),
            }
        if entity == "model":
            own = rng.randrange(20) == 0
            f = base | {
                "name": "Mô hình sản xuất phân vi sinh phục vụ chăm bón cây trồng",
                "content_area": str(rng.randrange(1, 6)),
                "status": rng.choice(("building", "operating", "replicated", "stopped")),
                "lead_organization": rng.choice(
                    ("mttq", "farmers_union", "womens_union", "youth_union")
                ),
                "linked_campaigns": rng.sample(
                    ["new_rural_civilized_urban", "prefer_vietnamese_goods", "cultural_life"], 2
                ),
                "start_date": _day(rng),
                "participating_households": rng.randrange(5, 80),
                "participating_people": rng.randrange(10, 300),
                "state_budget_vnd": rng.randrange(0, 10**8),
                "people_contribution_vnd": rng.randrange(0, 10**8),
                "labour_days": rng.randrange(0, 1000),
                "economic_value_vnd_per_year": rng.randrange(0, 10**9),
                "households_out_of_poverty": rng.randrange(0, 5),
                "description": "Hội Nông dân xã phối hợp với Ban công tác Mặt trận khu dân cư triển khai.",
            }
            if f["status"] == "stopped":
                f["stop_reason"] = "Thiếu vốn"
            if own:
                f["unit"] = district
                return district, f
            return unit, f | {"residential_area": ctx["area"]}
        if entity == "visit":
            return unit, base | {
                "model": ctx["model"],
                "visit_date": _day(rng),
                "officer_name": "Nguyễn Thị Lan",
                "location": {
                    "lat": 12.6 + rng.random() / 10,
                    "lon": 107.8 + rng.random() / 10,
                    "accuracy": 5.0,
                    "altitude": None,
                },
                "score_effectiveness": rng.randrange(1, 6),
            }
        if entity == "evidence":
            return unit, base | {
                "visit": ctx["visit"],
                "kind": "photo",
                "sha256": self._sha(),
                "media_type": "image/jpeg",
                "size": 200_000,
                "caption": "Ảnh chụp mô hình",
            }
        if entity == "initiative":
            return unit, base | {
                "title": "Quy trình ủ phân vi sinh",
                "authors": "Hội Nông dân",
                "field": "agriculture",
                "status": "submitted",
                "submitted_date": _day(rng),
            }
        kind = rng.choice(("conference", "talk", "bulletin", "commendation"))
        f = base | {
            "kind": kind,
            "title": "Hội nghị",
            "date": _day(rng),
            "attendees": rng.randrange(20, 200),
        }
        if kind == "bulletin":
            f["bulletins_printed"] = rng.randrange(100, 9000)
        if kind == "commendation":
            f["commendations"] = rng.randrange(1, 10)
        return unit, f

    def _sha(self) -> str:
        if self.pending > 0:  # a photo whose file the officer's phone has not sent yet
            self.pending -= 1
            return _FILES[50 * self.rng.randrange(len(_FILES) // 50)]
        return _PRESENT[self.rng.randrange(len(_PRESENT))]

    def rows(self, n: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        stamp = "2026-12-01T00:00:00.000Z"
        while len(out) < n:
            commune, district = self.communes[self.block % len(self.communes)]
            self.block += 1
            ctx: dict[str, str] = {}
            for entity in BLOCK:
                rid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
                unit, fields = self._fields(entity, commune, district, ctx)
                ctx[{"residential_area": "area"}.get(entity, entity)] = rid
                self.seq += 1
                out.append(
                    {
                        "record_id": rid,
                        "entity": entity,
                        "unit": unit,
                        "rev": 1,
                        "fields": orjson.dumps(fields).decode(),
                        "meta": "{}",
                        "deleted": False,
                        "deleted_hlc": None,
                        "form_id": fields["form_id"],
                        "form_version": 1,
                        "created_at": stamp,
                        "updated_at": stamp,
                        "seq": self.seq,
                    }
                )
        return out[:n]


def _files() -> list[dict[str, Any]]:
    stamp = "2026-12-01T00:00:00.000Z"
    return [
        {
            "sha256": s,
            "media_type": "image/jpeg",
            "size": 200_000,
            "created_at": stamp,
            "completed_at": stamp,
        }
        for s in _PRESENT
    ]


def _backend_cpu_s(pid: int | None) -> float:
    """CPU seconds a PostgreSQL backend of this machine has used (from /proc), 0 for SQLite."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _median_ms(fn: Callable[[], float], runs: int) -> tuple[float, float]:
    """Median wall-clock ms, and mean CPU ms (this process plus the PostgreSQL backend): on a
    shared machine the wall clock also counts the time spent waiting for a core."""
    wall, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        server_s = fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c + server_s) * 1000)
    return round(statistics.median(wall), 1), round(statistics.mean(cpu), 1)


def _summary(engine: Engine, unit: str, plan_id: str | None = None) -> Callable[[], float]:
    def run() -> float:
        with read_tx(engine) as conn:
            pid = None
            if conn.dialect.name == "postgresql":
                pid = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
            before = _backend_cpu_s(pid)
            reports.summary(conn, ADMIN, unit, plan_id)
            return _backend_cpu_s(pid) - before

    return run


def _plan(conn: Any, number: str, unit: str, period: tuple[str, str]) -> dict[str, Any]:
    title = {"vi": f"Kế hoạch {period[0][:4]}", "en": None}
    return plans.create_plan(
        conn,
        ADMIN,
        {"number": number, "title": title, "unit": unit, "issued_on": period[0]}
        | {"period": {"from": period[0], "to": period[1]}, "deadline": "2023-02-20"},
    )


def seed(conn: Any) -> list[tuple[str, str]]:
    """The province's units and the uploaded files into a fresh database; ``(commune, district)``
    of every commune, for :class:`Generator`."""
    import_units(conn, source="legacy", under=PROVINCE)
    communes = []
    for d in store_units.children(conn, PROVINCE):
        communes += [(c["code"], d["code"]) for c in store_units.children(conn, d["code"])]
    facts.bulk_load(conn, [], _files())
    return communes


def measure(url: str, steps: list[int], runs: int) -> list[dict[str, Any]]:
    engine = make_engine(url)
    upgrade(engine)
    with write_tx(engine) as conn:
        communes = seed(conn)
        plan = _plan(conn, "44/KH-MTTQ-BTT", DISTRICT, ("2022-01-01", "2022-12-31"))
        cut = _plan(conn, "12/KH-MTTQ-BTT", PROVINCE, ("2022-03-15", "2023-02-10"))  # cut months
        add_user(
            conn, username=WEB_USER, password=WEB_PASSWORD, role="admin", unit_codes=[PROVINCE]
        )
    gen = Generator(communes)
    loaded, out = 0, []
    for target in steps:
        t0 = time.perf_counter()
        while loaded < target:
            if target - loaded <= CHUNK:
                gen.pending = BACKLOG
            rows = gen.rows(min(CHUNK, target - loaded))
            with write_tx(engine) as conn:
                facts.bulk_load(conn, rows)
            loaded += len(rows)
        load_s = time.perf_counter() - t0
        if engine.dialect.name == "postgresql":  # fresh statistics, as autovacuum would make
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        row: dict[str, Any] = {"records": loaded, "load_s": round(load_s, 1)}
        for name, unit, plan_id, n in (
            ("district", DISTRICT, None, runs),
            ("province", PROVINCE, None, runs),
            ("district_plan", DISTRICT, plan["plan_id"], max(3, runs // 3)),
            ("commune", COMMUNE, None, runs),
            ("province_cut_plan", PROVINCE, cut["plan_id"], runs),
            ("commune_cut_plan", COMMUNE, cut["plan_id"], runs),
        ):
            row[f"{name}_ms"], row[f"{name}_cpu_ms"] = _median_ms(
                _summary(engine, unit, plan_id), n
            )
        row.update(web_pages(url, runs, _median_ms, district=DISTRICT, province=PROVINCE))
        row.update(csv_zip(url, ADMIN, PROVINCE))
        row["loadavg"] = round(os.getloadavg()[0], 1)
        out.append(row)
        print(engine.dialect.name, out[-1], flush=True)
    engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", default="1000000", help="records, or steps: 100000,1000000")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    args = ap.parse_args(argv)
    steps = sorted(int(x) for x in args.n.split(","))
    results: dict[str, Any] = {}
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
            results["sqlite"] = measure(f"sqlite:///{tmp}/dkst.sqlite3", steps, args.runs)
    if args.only in (None, "postgresql"):
        from tests.support.pg import start_cluster

        try:
            cluster = start_cluster()
        except (RuntimeError, OSError) as exc:
            results["postgresql"] = f"skipped: {exc}"
        else:
            try:
                results["postgresql"] = measure(cluster.create_database(), steps, args.runs)
            finally:
                cluster.stop()

    print(
        f"summary, median of {args.runs} runs (the plan: of {max(3, args.runs // 3)}), wall ms (mean CPU ms: this process + the PostgreSQL backend)"
    )
    print(
        f"{'database':<11}{'records':>10}{'load s':>8}{'district':>16}{'province':>16}{'plan':>16}{'commune':>16}{'load':>6}"
    )
    for name, rows in results.items():
        if isinstance(rows, str):
            print(f"{name:<11}{rows}")
            continue
        for r in rows:
            cells = "".join(
                f"{str(r[k + '_ms']) + ' (' + str(r[k + '_cpu_ms']) + ')':>16}"
                for k in ("district", "province", "district_plan", "commune")
            )
            print(f"{name:<11}{r['records']:>10,}{r['load_s']:>8}{cells}{r['loadavg']:>6}")
    print_more(results)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    line = {
        "bench": "reports",
        "n": steps,
        "runs": args.runs,
        "units": "Tỉnh Đắk Nông (67), legacy codes",
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {cpus} CPUs (shared)",
        **results,
    }
    print(json.dumps(line, ensure_ascii=False))
    if args.only in (None, "sqlite"):
        from bench.exports import xlsx_download  # records.xlsx of 100,000 records

        xlsx_download(100_000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
