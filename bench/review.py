"""A reviewer's backlog at scale (issue 18): from one queued record to the next after a decision.

Loads N records (default 100,000) over Tỉnh Đắk Nông as ``bench/reports.py`` does (the store's
bulk load: records, their report facts), with review states as a season leaves them: half
approved, a third waiting, the rest returned or corrected after a return. Then a commune's staff
member and a district's work through their "waiting" queue in the staff web, run in this process
through HTTP (``TestClient``, rendering included): each step approves the record open from the
queue (the POST: the decision pushed as a change, then the next record of the queue looked up)
and opens the next record's page (the GET). Prints, per reviewer, the median and p95 ms of the
decision, of the page, and of the two together; the target is under 300 ms from one record to
the next.

Run: ``python bench/review.py`` (``--n``, ``--steps``, ``--postgresql``).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from bench.reports import Generator, seed  # noqa: E402
from server.db.engine import make_engine, write_tx  # noqa: E402
from server.db.migrate import upgrade  # noqa: E402
from server.services.auth import add_user  # noqa: E402
from server.store import facts  # noqa: E402

PASSWORD = "bench-review-mật-khẩu"
REVIEWERS = (("bench.xa", "commune_staff", "24643"), ("bench.huyen", "district_staff", "662"))
STATES = (["approved"] * 6) + (["pending"] * 4) + ["returned", "resubmitted"]


def load(url: str, n: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(18)
    with write_tx(engine) as conn:
        gen = Generator(seed(conn))
        for name, role, unit in REVIEWERS:
            add_user(conn, username=name, password=PASSWORD, role=role, unit_codes=[unit])
    loaded = 0
    while loaded < n:
        rows = gen.rows(min(10_000, n - loaded))
        for r in rows:  # the season's review states, a reason with every return
            state = rng.choice(STATES)
            if state != "pending":
                fields = orjson.loads(r["fields"])
                fields["review_state"] = state
                if state in ("returned", "resubmitted"):
                    fields["review_comment"] = "Thiếu ảnh minh chứng"
                r["fields"] = orjson.dumps(fields).decode()
        with write_tx(engine) as conn:
            facts.bulk_load(conn, rows)
        loaded += len(rows)
    engine.dispose()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def walk(url: str, username: str, unit: str, steps: int) -> dict[str, Any]:
    """Approve ``steps`` records of ``unit``'s waiting queue, one after the other, as a reviewer
    does in the browser; the ms of each decision (POST) and each next page (GET)."""
    from starlette.testclient import TestClient

    from server.app import create_app
    from server.config import ServerSettings

    decide, page = [], []
    with tempfile.TemporaryDirectory(prefix="bench-review-") as tmp:
        app = create_app(ServerSettings(database_url=url, data_dir=Path(tmp)))
        with TestClient(app) as web:
            form = web.get("/web/login").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            assert csrf is not None
            r = web.post(
                "/web/login",
                data={"csrf": csrf[1], "next": "/web/", "username": username, "password": PASSWORD},
                follow_redirects=False,
            )
            assert r.status_code == 303, r.text
            queue = web.get("/web/records", params={"unit": unit, "queue": "pending"}).text
            first = re.search(r'href="/web/records/([0-9a-f-]{36})\?queue=pending', queue)
            assert first is not None, "an empty queue"
            current = f"/web/records/{first[1]}?queue=pending&unit={unit}"
            html = web.get(current).text
            for _ in range(steps):
                token = re.search(r'name="csrf" value="([^"]+)"', html)
                assert token is not None
                record = current.split("?")[0]
                t0 = time.perf_counter()
                r = web.post(
                    record + "/review",
                    data={
                        "csrf": token[1],
                        "decision": "approved",
                        "comment": "",
                        "queue": "pending",
                        "unit": unit,
                    },
                    follow_redirects=False,
                )
                t1 = time.perf_counter()
                assert r.status_code == 303, r.text
                current = r.headers["location"]
                html = web.get(current).text
                t2 = time.perf_counter()
                assert "queue-bar" in html, current
                decide.append((t1 - t0) * 1000)
                page.append((t2 - t1) * 1000)
    both = [a + b for a, b in zip(decide, page, strict=True)]
    return {
        name: {"median": round(statistics.median(v), 1), "p95": round(_pct(v, 0.95), 1)}
        for name, v in (("decision", decide), ("page", page), ("next", both))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-review-db-") as tmp:
        cluster = None
        if args.postgresql:
            from tests.support.pg import start_cluster

            cluster = start_cluster(durable=True)
            url = cluster.create_database()
        else:
            url = f"sqlite:///{tmp}/review.sqlite"
        try:
            t0 = time.perf_counter()
            load(url, args.n)
            loaded = time.perf_counter() - t0
            print(
                f"{args.n:,} records loaded in {loaded:.0f} s ({'PostgreSQL' if cluster else 'SQLite'})"
            )
            print(f"{'reviewer':<32} {'decision ms':>16} {'page ms':>16} {'to the next ms':>18}")
            results = {}
            for username, role, unit in REVIEWERS:
                res = walk(url, username, unit, args.steps)
                results[role] = res
                cell = {k: f"{v['median']:.0f} (p95 {v['p95']:.0f})" for k, v in res.items()}
                print(
                    f"{role + ' ' + unit:<32} {cell['decision']:>16} {cell['page']:>16} {cell['next']:>18}"
                )
        finally:
            if cluster is not None:
                cluster.stop()
    print(json.dumps({"n": args.n, "steps": args.steps, "python": platform.python_version(),
                      "backend": "postgresql" if args.postgresql else "sqlite",
                      "results": results}))  # fmt: skip


if __name__ == "__main__":
    main()
