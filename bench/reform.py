"""``dkst units reform`` at scale: a legacy server of N records (default 1,000,000) moved to the
2025 tree.

Loads N records over the legacy units of Tỉnh Đắk Nông (67: 8 districts, 71 communes; the records
of ``bench/reports.py``'s generator, inserted through ``server.store.facts.bulk_load``) with a user
per commune and district, then times, in this process:

- the dry run (everything computed and written, then rolled back);
- the reform itself (one transaction: records, change log, users, facts and tallies, units);
- a second run (nothing to do);

and checks the result: every record moved once (``unit_before_2025`` kept, ``rev`` 2), every unit
of the current tree, the province summary's figures equal to those before the move. Prints the
wall seconds, records a second and the process's peak RSS, and one JSON line of the conditions.

Run: ``python bench/reform.py`` (``--n``, ``--only sqlite|postgresql``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DKST_PASSWORD_HASH", "test")

from sqlalchemy import func, select

from bench.reports import ADMIN, CHUNK, PROVINCE, Generator, seed
from server.db.engine import make_engine, read_tx, write_tx
from server.db.migrate import upgrade
from server.db.schema import records, units
from server.services import reports
from server.services.auth import Principal, add_user
from server.services.reform import reform
from server.store import facts


class _Rollback(Exception):
    pass


def _totals(engine: Any, who: Principal, unit: str) -> dict[str, Any]:
    with read_tx(engine) as conn:
        return dict(reports.summary(conn, who, unit)["totals"])


def measure(url: str, n: int, *, dry_run: bool = True) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    with write_tx(engine) as conn:
        communes = seed(conn)
        for i, (commune, _district) in enumerate(communes):
            add_user(
                conn,
                username=f"xa{i}",
                password="x" * 12,
                role="commune_staff",
                unit_codes=[commune],
            )
        for d in sorted({d for _, d in communes}):
            add_user(
                conn, username=f"huyen{d}", password="x" * 12, role="district_staff", unit_codes=[d]
            )
    gen = Generator(communes)
    t0 = time.perf_counter()
    loaded = 0
    while loaded < n:
        rows = gen.rows(min(CHUNK, n - loaded))
        with write_tx(engine) as conn:
            facts.bulk_load(conn, rows)
        loaded += len(rows)
    load_s = time.perf_counter() - t0
    before = _totals(engine, ADMIN, PROVINCE)

    t0 = time.perf_counter()
    dry = None
    if dry_run:
        try:
            with write_tx(engine) as conn:
                dry = reform(conn)
                raise _Rollback
        except _Rollback:
            pass
    dry_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    with write_tx(engine) as conn:
        done = reform(conn)
    reform_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with write_tx(engine) as conn:
        again = reform(conn)
    again_s = time.perf_counter() - t0

    with read_tx(engine) as conn:
        revs: dict[int, int] = dict(
            conn.execute(select(records.c.rev, func.count()).group_by(records.c.rev)).all()
        )
        trees = {r[0] for r in conn.execute(select(units.c.source).distinct())}
    new_admin = Principal(user_id=0, username="bench", role="admin", units=("68",), device_id="b")
    after = _totals(engine, new_admin, "68")
    engine.dispose()
    assert done.records == n and (dry is None or dry.records == n), (done.records, n)
    assert not again.done and revs == {2: n} and trees == {"current"}, (revs, trees)
    assert after == before, "the province's figures changed across the move"
    return {
        "records": n,
        "load_s": round(load_s, 1),
        "dry_run_s": round(dry_s, 1) if dry is not None else None,
        "reform_s": round(reform_s, 1),
        "records_per_s": round(n / reform_s),
        "second_run_s": round(again_s, 3),
        "choices": len(done.choices),
        "users": len(done.users),
        "moves": len(done.moves),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def _row(db: str, r: dict[str, Any]) -> str:
    return (
        f"{db:<12}{r['records']:>10,}{r['dry_run_s'] or '-':>11}{r['reform_s']:>10}"
        f"{r['records_per_s']:>9,}{r['second_run_s']:>11}{r['peak_rss_mb']:>9}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    ap.add_argument("--no-dry-run", action="store_true", help="time the reform alone")
    args = ap.parse_args()
    print(
        f"{'database':<12}{'records':>10}{'dry run s':>11}{'reform s':>10}{'rec/s':>9}"
        f"{'2nd run s':>11}{'peak MB':>9}",
        flush=True,
    )
    results: dict[str, Any] = {}
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/reform.sqlite"
            results["sqlite"] = measure(url, args.n, dry_run=not args.no_dry_run)
        print(_row("sqlite", results["sqlite"]), flush=True)
    if args.only in (None, "postgresql"):
        from tests.support.pg import start_cluster

        cluster = start_cluster(durable=True)
        try:
            url = cluster.create_database()
            results["postgresql"] = measure(url, args.n, dry_run=not args.no_dry_run)
        finally:
            cluster.stop()
        print(_row("postgresql", results["postgresql"]), flush=True)
    cond = {"python": platform.python_version(), "load": os.getloadavg(), "cpus": os.cpu_count()}
    print(json.dumps({"conditions": cond, "results": results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
