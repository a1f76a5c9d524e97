"""Push and pull throughput of a real server over loopback, on SQLite and PostgreSQL.

For each database: start the server (uvicorn, one process, as ``dkst serve`` runs it), push 10,000
changes in batches of 500 through one persistent HTTP connection, then follow ``/sync/pull`` from
the start with ``limit=1000``. The changes are what a commune's officers send: new residential areas
and models (every required field, validated against the form, merged, recorded for idempotency) and
one change in five an edit of a record created in an earlier batch. Each measurement runs 3 times on
a fresh database and the median is printed, as a table and as one JSON line (quoted by the README).

Bytes per change are of the request body (JSON as the app sends it), plain and gzipped; HTTP headers
add about 250 bytes per request, under one byte per change at 500 a batch.

Run: ``python bench/push.py`` (``--changes``, ``--batch``, ``--repeat``, ``--only sqlite``).
PostgreSQL needs its server binaries (``apt-get install postgresql``); without them it is skipped.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import orjson  # noqa: E402

from shared_schema.hlc import Clock  # noqa: E402
from tests.support.records import change, record_fields  # noqa: E402
from tests.support.server import DAK_WIL, LiveServer, add_user, running_server  # noqa: E402

DEVICE = "bench-phone-1"
PASSWORD = "mật khẩu đủ dài cho bench"
KINDS = ("thon", "xom", "ban", "buon", "ap", "to_dan_pho")
STATUSES = ("building", "operating", "replicated")


@dataclass
class Figures:
    push_changes_per_s: float
    push_gzip_changes_per_s: float
    pull_records_per_s: float
    records_pulled: int
    bytes_per_change: float
    gzip_bytes_per_change: float


# ---------------------------------------------------------------------------- the workload
def make_batches(n_changes: int, batch: int, device: str) -> list[list[dict[str, Any]]]:
    """New residential areas and models, and edits (one change in five) of earlier records."""
    clock = Clock(device)
    areas: list[str] = []
    revs: dict[str, tuple[str, int]] = {}  # record_id -> (entity, rev after our last change)
    batches: list[list[dict[str, Any]]] = []
    made = 0
    while made < n_changes:
        changes: list[dict[str, Any]] = []
        earlier = list(revs)  # only records of earlier batches are edited (their rev is known)
        for i in range(min(batch, n_changes - made)):
            k = made + i
            if earlier and k % 5 == 4:
                rid = earlier[(k * 7919) % len(earlier)]
                entity, rev = revs[rid]
                if entity == "residential_area":
                    fields: dict[str, Any] = {
                        "households": 100 + k % 400,
                        "population": 400 + k % 1600,
                    }
                else:
                    fields = {"status": STATUSES[k % 3], "participating_people": k % 500}
                changes.append(
                    change(entity, fields, hlc=str(clock.now()), record_id=rid, base_rev=rev)
                )
                revs[rid] = (entity, rev + 1)
                continue
            rid = str(uuid.uuid4())
            if not areas or k % 2 == 0:
                entity = "residential_area"
                fields = record_fields(
                    entity,
                    DAK_WIL,
                    name=f"Thôn {k // 7} Đắk Wil",
                    kind=KINDS[k % len(KINDS)],
                    households=120 + k % 300,
                    head_of_work_group="Nguyễn Văn Bình",
                )
                areas.append(rid)
            else:
                entity = "model"
                fields = record_fields(
                    entity,
                    DAK_WIL,
                    name=f"Mô hình “Tuyến đường hoa” số {k}",
                    residential_area=areas[k % len(areas)],
                    content_area=str(1 + k % 5),
                    status="operating",
                    start_date="2023-03-15",
                    participating_households=40 + k % 60,
                    location={
                        "lat": 12.69 + (k % 100) / 1e4,
                        "lon": 107.98,
                        "accuracy": 8.5,
                        "altitude": None,
                    },
                    description="Nhân dân góp công, góp đất làm đường và trồng hoa hai bên.",
                )
            changes.append(change(entity, fields, hlc=str(clock.now()), record_id=rid))
            revs[rid] = (entity, 1)
        made += len(changes)
        batches.append(changes)
    return batches


# ---------------------------------------------------------------------------- one measurement
def _client(srv: LiveServer) -> httpx.Client:
    r = httpx.post(
        srv.api + "/auth/token",
        data={"username": "bench", "password": PASSWORD, "device_id": DEVICE},
    )
    r.raise_for_status()
    token = r.json()["access_token"]
    return httpx.Client(base_url=srv.api, headers={"Authorization": "Bearer " + token}, timeout=120)


def _push_all(client: httpx.Client, bodies: list[bytes], gzipped: bool) -> float:
    headers = {"Content-Type": "application/json"}
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    started = time.perf_counter()
    for body in bodies:
        r = client.post("/sync/push", content=body, headers=headers)
        r.raise_for_status()
        bad = [x for x in r.json()["results"] if x["status"] not in ("applied", "conflict")]
        if bad:  # a benchmark of rejections would flatter the server
            raise RuntimeError(f"{len(bad)} changes not applied, e.g. {bad[0]}")
    return time.perf_counter() - started


def _pull_all(client: httpx.Client) -> tuple[int, float]:
    n, cursor = 0, None
    started = time.perf_counter()
    while True:
        params: dict[str, Any] = {"limit": 1000}
        if cursor:
            params["cursor"] = cursor
        r = client.get("/sync/pull", params=params)
        r.raise_for_status()
        page = r.json()
        n += len(page["records"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return n, time.perf_counter() - started


@contextmanager
def _server(database_url: str | None) -> Iterator[LiveServer]:
    with (
        tempfile.TemporaryDirectory(prefix="dkst-bench-") as tmp,
        running_server(Path(tmp), database_url) as srv,
    ):
        add_user(srv, "bench", "field_officer", DAK_WIL, PASSWORD)
        yield srv


def measure(
    new_database: Callable[[], str | None], n_changes: int, batch: int, repeat: int
) -> Figures:
    plain_rates: list[float] = []
    gzip_rates: list[float] = []
    pull_rates: list[float] = []
    plain_bytes = gz_bytes = 0
    pulled = 0
    for _ in range(repeat):
        for gzipped in (False, True):
            batches = make_batches(
                n_changes, batch, DEVICE
            )  # fresh ids: every run creates its records
            bodies = [orjson.dumps({"device_id": DEVICE, "changes": b}) for b in batches]
            plain_bytes = sum(len(b) for b in bodies)
            zipped = [gzip.compress(b, compresslevel=6) for b in bodies]
            gz_bytes = sum(len(b) for b in zipped)
            with _server(new_database()) as srv, _client(srv) as client:
                seconds = _push_all(client, zipped if gzipped else bodies, gzipped)
                (gzip_rates if gzipped else plain_rates).append(n_changes / seconds)
                if not gzipped:
                    pulled, seconds = _pull_all(client)
                    pull_rates.append(pulled / seconds)
    return Figures(
        push_changes_per_s=statistics.median(plain_rates),
        push_gzip_changes_per_s=statistics.median(gzip_rates),
        pull_records_per_s=statistics.median(pull_rates),
        records_pulled=pulled,
        bytes_per_change=plain_bytes / n_changes,
        gzip_bytes_per_change=gz_bytes / n_changes,
    )


# ---------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--changes", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    args = ap.parse_args(argv)

    results: dict[str, Figures | None] = {}
    notes: dict[str, str] = {}
    if args.only in (None, "sqlite"):
        results["sqlite"] = measure(lambda: None, args.changes, args.batch, args.repeat)
    if args.only in (None, "postgresql"):
        from tests.support.pg import start_cluster

        try:
            cluster = start_cluster(durable=True)  # fsync on: acknowledged means on disk
        except (RuntimeError, OSError) as exc:
            notes["postgresql"] = f"skipped: {exc}"
            results["postgresql"] = None
        else:
            try:
                results["postgresql"] = measure(
                    cluster.create_database, args.changes, args.batch, args.repeat
                )
            finally:
                cluster.stop()

    print(
        f"push {args.changes:,} changes in batches of {args.batch}; pull with limit=1000; median of {args.repeat}"
    )
    print(
        f"{'database':<11}{'push ch/s':>11}{'push+gzip ch/s':>16}{'pull rec/s':>12}{'B/change':>10}{'gzip B/ch':>11}"
    )
    for name, f in results.items():
        if f is None:
            print(f"{name:<11}{notes.get(name, 'skipped')}")
            continue
        print(
            f"{name:<11}{f.push_changes_per_s:>11,.0f}{f.push_gzip_changes_per_s:>16,.0f}"
            f"{f.pull_records_per_s:>12,.0f}{f.bytes_per_change:>10.0f}{f.gzip_bytes_per_change:>11.0f}"
        )
    line: dict[str, Any] = {
        "bench": "push",
        "changes": args.changes,
        "batch": args.batch,
        "repeat": args.repeat,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {_cpus()} CPUs",
    }
    for name, f in results.items():
        line[name] = None if f is None else {k: round(v, 1) for k, v in vars(f).items()}
    line.update({f"{k}_note": v for k, v in notes.items()})
    print(json.dumps(line, ensure_ascii=False))
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
