"""Many devices sync at once: push, pull and upload latency, and proof nothing was lost (issue 11).

Each simulated device holds ``--records`` records made offline (one residential area, models, and
one evidence record per photo) and ``--photos`` photos (small JPEGs made by Pillow, every one's
bytes distinct). One device in three also edits the commune's shared models, which an
administrator created before the run and every device had pulled (``base_rev`` 1), so the same
fields meet from several devices: conflicts. All devices start at one barrier and each does what
the app's sync does, in its order: push the outbox in batches, pull everything from the start,
then upload the files (HEAD, PUT). A request cut or answered 503 is retried as the app retries it;
the 503 still counts as a failure of the run.

The devices are lean clients (httpx, one connection and one thread each) speaking SYNC.md, not
``mobile.core`` devices. 200 real device cores would each keep a SQLite store and take every
pulled record into it and its search index: the devices pull about 250,000–400,000 records in a
run, and the device core takes in 10,000 records in 1–17 s on this machine (``bench/device.py``,
small and ~2 KB records), so on two cores shared with the server the devices' own work would
outweigh the server's and the latencies would measure the phones, not the server. The device
core's sync is measured by ``bench/device.py`` and proven against faults in ``tests/mobile`` and
``tests/faults``; the requests here are the ones it makes (push batches of 500, pull limit 1000,
a HEAD before each upload), with plain bodies where the app gzips them.

It passes (exit 0) only when no request got a 5xx and, afterwards, an administrator's full pull
holds exactly the records and field values SYNC.md's merge rules give for what was sent, every
push result named exactly the conflicts the rules say and the server kept each losing value for
review, and every uploaded file downloads with its own SHA-256 (``bench/load_check.py``).

Run: ``python bench/load.py`` (200 devices × 200 records × 5 photos on SQLite with one server
process, then PostgreSQL with four); ``--devices 10 --records 20 --photos 1 --only sqlite`` for
a small run. ``--only pg-s3``: PostgreSQL with the files in an S3 bucket (moto's standalone server,
a real HTTP process on this machine), once with one server process and once with four, printed
side by side (issue 21).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.load_check import (  # noqa: E402
    Conflict,
    Sent,
    check_conflicts,
    check_files,
    check_records,
    expected_state,
)
from bench.load_devices import PASSWORD, LoadDevice, Stats, admin_view, seed  # noqa: E402
from tests.support.server import CU_JUT, DAK_MIL, LiveServer, add_user, running_server  # noqa: E402

EDITOR_EVERY = 3  # one device in three edits the shared models
PER_COMMUNE = 10  # devices per commune (a commune's officers share its records and models)


@dataclass
class Outcome:
    backend: str
    processes: int
    seconds: float
    stats: Stats
    sent: list[Sent]
    pulled: dict[str, dict[str, Any]] = field(default_factory=dict)
    stored_conflicts: dict[str, list[Conflict]] = field(default_factory=dict)
    hashes: set[str] = field(default_factory=set)
    downloaded: dict[str, str | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    communes: int = 0

    def verify(self) -> list[str]:
        """Every check of bench/load_check.py on what this run collected."""
        expected, problems = expected_state(self.sent)
        problems += check_records(expected, self.pulled)
        problems += check_conflicts(expected, self.stored_conflicts)
        problems += check_files(self.hashes, self.downloaded)
        return problems


def stored_conflicts(srv: LiveServer, record_ids: set[str]) -> dict[str, list[Conflict]]:
    """The losing values the server keeps for review, read through its store layer."""
    from server.db.engine import make_engine
    from server.store.conflicts import open_for as open_conflicts

    engine = make_engine(srv.settings().db_url)
    out: dict[str, list[Conflict]] = {}
    try:
        with engine.connect() as conn:
            for rid in record_ids:
                rows = open_conflicts(conn, rid)
                if rows:
                    out[rid] = [
                        (r.field, _canon(r.losing_value), _canon(r.winning_value)) for r in rows
                    ]
    finally:
        engine.dispose()
    return out


def _canon(text: str) -> str:
    from bench.load_check import canonical

    return canonical(json.loads(text))


def run(
    database_url: str | None,
    processes: int,
    *,
    devices: int,
    records: int,
    photos: int,
    batch: int,
    blob_env: dict[str, str] | None = None,
) -> Outcome:
    backend = "postgresql" if database_url else "sqlite"
    backend += "+s3" if blob_env else ""
    with (
        tempfile.TemporaryDirectory(prefix="dkst-load-") as tmp,
        running_server(Path(tmp), database_url, workers=processes, extra_env=blob_env) as srv,
    ):
        add_user(srv, "load-admin", "admin", [CU_JUT, DAK_MIL], PASSWORD)
        communes, shared, seeded = seed(srv, -(-devices // PER_COMMUNE))
        for code in communes:
            add_user(srv, f"cb{code}", "field_officer", code, PASSWORD)
        stats = Stats()
        fleet = []
        for i in range(devices):
            code = communes[i % len(communes)]
            fleet.append(
                LoadDevice(
                    srv,
                    i,
                    code,
                    shared[code] if i % EDITOR_EVERY == 0 else [],
                    stats,
                    records=records,
                    photos=photos,
                    batch=batch,
                )
            )
        gate = threading.Barrier(devices + 1)
        threads = [threading.Thread(target=d.sync, args=(gate,), daemon=True) for d in fleet]
        for t in threads:
            t.start()
        gate.wait()
        started = time.perf_counter()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        out = Outcome(
            backend, processes, seconds, stats, seeded + [s for d in fleet for s in d.sent]
        )
        out.communes = len(communes)
        out.hashes = {sha for d in fleet for sha in d.photos}
        out.pulled, out.downloaded = admin_view(srv, out.hashes)
        many = {}
        for s in out.sent:
            many.setdefault(s.change["record_id"], set()).add(s.device)
        out.stored_conflicts = stored_conflicts(srv, {r for r, ds in many.items() if len(ds) > 1})
        for d in fleet:
            d.close()
    out.problems = stats.errors + out.verify()
    return out


# ---------------------------------------------------------------------------- report
def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0}
    v = sorted(values)

    def at(q: float) -> float:
        return round(v[min(len(v) - 1, int(q * len(v)))] * 1000, 1)

    return {"n": len(v), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


def summary(o: Outcome) -> dict[str, Any]:
    s = o.stats
    return {
        "processes": o.processes,
        "communes": o.communes,
        "seconds": round(o.seconds, 1),
        "push_ms": percentiles(s.push),
        "pull_ms": percentiles(s.pull),
        "upload_ms": percentiles(s.upload),
        "changes": len(o.sent),
        "records": len(o.pulled),
        "conflict_fields": sum(len(x.conflicts) for x in o.sent),
        "records_pulled_by_devices": s.pulled,
        "files": len(o.hashes),
        "file_bytes": s.file_bytes,
        "status_5xx": s.status_5xx,
        "retries": s.retries,
        "cut_requests": s.cuts,
        "problems": len(o.problems),
        "passed": not o.problems,
    }


def print_outcome(o: Outcome) -> None:
    f = summary(o)
    print(
        f"\n{o.backend}, {o.processes} server process(es), devices in {o.communes} communes: "
        f"{f['seconds']} s, "
        f"{f['changes']:,} changes, {f['records']:,} records, {f['conflict_fields']} conflict "
        f"fields, {f['files']} files ({f['file_bytes']:,} B), {f['records_pulled_by_devices']:,} "
        f"records pulled by devices"
    )
    print(f"{'':<8}{'n':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}")
    for name in ("push", "pull", "upload"):
        p = f[f"{name}_ms"]
        print(f"{name:<8}{p['n']:>8}{p['p50']:>10}{p['p95']:>10}{p['p99']:>10}")
    print(
        f"5xx: {f['status_5xx']}, unanswered: {f['cut_requests']}, retries: {f['retries']}, "
        f"problems: {len(o.problems)}"
    )
    for p in o.problems[:20]:
        print("  PROBLEM", p)


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def _postgres() -> Iterator[str]:
    from tests.support.pg import start_cluster

    cluster = start_cluster(durable=True)  # fsync on: acknowledged means on disk
    try:
        yield cluster.create_database()
    finally:
        cluster.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--devices", type=int, default=200)
    ap.add_argument("--records", type=int, default=200, help="offline records per device")
    ap.add_argument("--photos", type=int, default=5, help="photos per device")
    ap.add_argument("--batch", type=int, default=500, help="changes per push (the app's default)")
    ap.add_argument(
        "--only",
        choices=["sqlite", "postgresql", "pg-s3"],
        help="pg-s3: PostgreSQL and an S3 bucket (moto's server), with 1 and with 4 processes",
    )
    ap.add_argument("--pg-processes", type=int, default=4)
    args = ap.parse_args(argv)
    if args.records < args.photos + 2:
        ap.error("--records must be at least --photos + 2 (an area, a model, the evidence)")
    size = dict(devices=args.devices, records=args.records, photos=args.photos, batch=args.batch)
    load_before = os.getloadavg()[0]
    outcomes = []
    if args.only in (None, "sqlite"):
        outcomes.append(run(None, 1, **size))
    if args.only in (None, "postgresql"):
        with _postgres() as url:
            outcomes.append(run(url, args.pg_processes, **size))
    if args.only == "pg-s3":
        from tests.support.s3 import MotoServer

        with MotoServer.start() as moto:
            for processes in (1, args.pg_processes):
                with _postgres() as url:
                    env = moto.server_env(moto.new_bucket())
                    outcomes.append(run(url, processes, **size, blob_env=env))
    print(
        f"\n{args.devices} devices × {args.records} records × {args.photos} photos, push batch "
        f"{args.batch}, pull limit 1000; {platform.machine()}, {_cpus()} CPUs, load average "
        f"{load_before:.2f} at start; devices and servers share this machine"
    )
    for o in outcomes:
        print_outcome(o)
    line: dict[str, Any] = {
        "bench": "load",
        **size,
        "machine": f"{platform.machine()}, {_cpus()} CPUs",
        "load_avg_at_start": round(load_before, 2),
        "python": platform.python_version(),
    }
    line.update({f"{o.backend}-{o.processes}": summary(o) for o in outcomes})
    print(json.dumps(line, ensure_ascii=False))
    return 0 if all(not o.problems for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
