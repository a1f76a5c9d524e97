"""Field app figures: save of one record, search over 20,000 records, first sync of 10,000.

    python bench/device.py            # all three (starts a real server for the sync figure)
    python bench/device.py --no-sync  # store figures only

Targets (issue 4): save < 5 ms, search < 50 ms, first sync of 10,000 records < 10 s. Files are
real SQLite files on this machine's disk with the app's settings (WAL, synchronous=FULL), and the
sync runs against the real server over loopback HTTP.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mobile.core.device import Device  # noqa: E402

UNIT = "24643"
WORDS = [
    "Đoàn",
    "Kết",
    "sáng",
    "tạo",
    "nhà",
    "lưới",
    "phân",
    "vi",
    "sinh",
    "chăn",
    "nuôi",
    "lợn",
    "sạch",
    "khép",
    "kín",
    "cà",
    "phê",
    "hồ",
    "tiêu",
    "Buôn",
    "Trum",
    "Ea",
    "T'Ling",
]


def _offline_device(data_dir: Path) -> Device:
    dev = Device(data_dir, "http://127.0.0.1:9", "bench", device_id="bench-dev")
    with dev.store.transaction():
        dev.store.set_state("user", {"username": "bench", "role": "field_officer", "units": [UNIT]})
    return dev


def _name(rng: random.Random) -> str:
    return "Mô hình " + " ".join(rng.choice(WORDS) for _ in range(5))


def bench_save(data_dir: Path, n: int = 300) -> float:
    dev = _offline_device(data_dir)
    area = dev.records.create("residential_area", {"name": "Thôn 1", "kind": "thon"}).record_id
    rng = random.Random(1)
    times = []
    for _ in range(n):
        values = {
            "name": _name(rng),
            "residential_area": area,
            "content_area": "2",
            "status": "operating",
            "participating_households": rng.randint(1, 300),
        }
        t = time.perf_counter()
        res = dev.records.create("model", values)
        times.append((time.perf_counter() - t) * 1000)
        assert res.finalized
    dev.close()
    return statistics.median(times)


def bench_search(data_dir: Path, n: int = 20_000) -> tuple[float, float, int]:
    dev = _offline_device(data_dir)
    rng = random.Random(2)
    records = [
        {
            "entity": "model",
            "record_id": str(uuid.uuid4()),
            "rev": 1,
            "deleted": False,
            "updated_at": "2026-01-01T00:00:00Z",
            "fields": {
                "name": _name(rng),
                "unit": UNIT,
                "content_area": "2",
                "status": "operating",
                "form_id": "dkst_model",
                "form_version": 1,
                "description": " ".join(rng.choice(WORDS) for _ in range(30)),
            },
        }
        for _ in range(n)
    ]
    for i in range(0, n, 1000):
        with dev.store.transaction():
            dev.records.apply_server_records(records[i : i + 1000])
    queries = ["doan ket", "nha luoi", "phan vi sinh", "Buôn Trum", "ca phe ho tieu", "lon sach"]
    times = []
    hits = 0
    for _ in range(10):
        for q in queries:
            t = time.perf_counter()
            found = dev.records.list(search=q, limit=50)
            times.append((time.perf_counter() - t) * 1000)
            hits = max(hits, len(found))
    # The fallback when the phone's SQLite has no FTS5 trigram: LIKE over the search column.
    like = []
    for q in queries:
        t = time.perf_counter()
        dev.store.conn.execute(
            "SELECT record_id FROM records WHERE deleted = 0 AND search LIKE ? "
            "ORDER BY title LIMIT 50",
            ("%" + q.lower() + "%",),
        ).fetchall()
        like.append((time.perf_counter() - t) * 1000)
    dev.close()
    return statistics.median(times), statistics.median(like), hits


def bench_first_sync(tmp: Path, n: int = 10_000) -> float:
    import httpx

    from tests.support.server import add_user, running_server

    pw = "mật khẩu bench 2026"
    with running_server(tmp) as srv:
        add_user(srv, "bench", "field_officer", UNIT, pw)
        token = httpx.post(
            srv.api + "/auth/token",
            data={"username": "bench", "password": pw, "device_id": "seeder"},
        ).json()["access_token"]
        rng = random.Random(3)
        area = str(uuid.uuid4())
        changes = [
            {
                "change_id": str(uuid.uuid4()),
                "entity": "residential_area",
                "record_id": area,
                "op": "upsert",
                "base_rev": None,
                "hlc": f"{int(time.time() * 1000):013d}-0000-seeder",
                "fields": {
                    "name": "Thôn 1",
                    "kind": "thon",
                    "unit": UNIT,
                    "form_id": "dkst_residential_area",
                    "form_version": 1,
                },
            }
        ]
        for i in range(n - 1):
            changes.append(
                {
                    "change_id": str(uuid.uuid4()),
                    "entity": "model",
                    "record_id": str(uuid.uuid4()),
                    "op": "upsert",
                    "base_rev": None,
                    "hlc": f"{int(time.time() * 1000):013d}-{i % 10000:04d}-seeder",
                    "fields": {
                        "name": _name(rng),
                        "residential_area": area,
                        "unit": UNIT,
                        "content_area": str(rng.randint(1, 5)),
                        "status": "operating",
                        "form_id": "dkst_model",
                        "form_version": 1,
                        "participating_households": rng.randint(1, 300),
                    },
                }
            )
        with httpx.Client(
            base_url=srv.api, timeout=120, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            for i in range(0, n, 1000):
                r = client.post(
                    "/sync/push", json={"device_id": "seeder", "changes": changes[i : i + 1000]}
                )
                r.raise_for_status()
                assert all(x["status"] == "applied" for x in r.json()["results"])
        t = time.perf_counter()
        dev = Device.login(
            tmp / "phone", server=srv.url, username="bench", password=pw, device_id="bench-phone"
        )
        report = dev.sync()
        elapsed = time.perf_counter() - t
        assert report.pulled == n and dev.records.count() == n, report
        dev.close()
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-sync", action="store_true", help="skip the server figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        save = bench_save(tmp / "save")
        print(f"save one record (finalize + outbox, WAL FULL): median {save:.2f} ms  (target < 5)")
        search, like, hits = bench_search(tmp / "search")
        print(
            f"search over 20,000 records (FTS5 trigram): median {search:.2f} ms  (target < 50)"
            f"; LIKE fallback {like:.2f} ms; up to {hits} hits shown"
        )
        if not args.no_sync:
            first = bench_first_sync(tmp / "sync")
            print(f"first sync of 10,000 records to an empty device: {first:.2f} s  (target < 10)")


if __name__ == "__main__":
    main()
