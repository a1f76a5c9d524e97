"""Field app figures: save of one record, search over 20,000 records, first sync of 10,000.

    python bench/device.py                 # all (starts a real server for the sync figures)
    python bench/device.py --no-sync       # store figures only
    python bench/device.py --repeat 3      # the sync figures as medians of 3 runs

Targets (issue 4): save < 5 ms, search < 50 ms, first sync of 10,000 records < 10 s. Files are
real SQLite files on this machine's disk with the app's settings (WAL, synchronous=FULL), and the
sync runs against the real server over loopback HTTP. The first sync is measured twice: with
records as small as a model's required answers, and with records of about 2 KB of text (a
description of 2,000 characters, as in issue 11's comparison with PouchDB), where the search index
is most of the device's work.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mobile.core.device import Device  # noqa: E402
from tests.support.device import (  # noqa: E402
    DAK_WIL,
    change,
    offline_device,
    pulled_record,
    record_fields,
)

UNIT = DAK_WIL
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


def _name(rng: random.Random) -> str:
    return "Mô hình " + " ".join(rng.choice(WORDS) for _ in range(5))


def _text(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    length = 0
    while length < chars:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:chars]


def bench_save(data_dir: Path, n: int = 300) -> float:
    dev = offline_device(data_dir, device_id="bench-dev", username="bench")
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
    dev = offline_device(data_dir, device_id="bench-dev", username="bench")
    rng = random.Random(2)
    records = [
        pulled_record(
            "model",
            record_fields(
                "model",
                {
                    "name": _name(rng),
                    "content_area": "2",
                    "status": "operating",
                    "description": " ".join(rng.choice(WORDS) for _ in range(30)),
                },
                UNIT,
            ),
        )
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


def _seed_changes(n: int, text_chars: int) -> list[dict[str, Any]]:
    rng = random.Random(3)
    area = str(uuid.uuid4())
    changes = [
        change(
            "residential_area",
            record_fields("residential_area", {"name": "Thôn 1", "kind": "thon"}, UNIT),
            device_id="seeder",
            record_id=area,
        )
    ]
    for _ in range(n - 1):
        values: dict[str, Any] = {
            "name": _name(rng),
            "residential_area": area,
            "content_area": str(rng.randint(1, 5)),
            "status": "operating",
            "participating_households": rng.randint(1, 300),
        }
        if text_chars:
            values["description"] = _text(rng, text_chars)
        changes.append(change("model", record_fields("model", values, UNIT), device_id="seeder"))
    return changes


def bench_first_sync(tmp: Path, n: int = 10_000, *, text_chars: int = 0, repeat: int = 1) -> float:
    """Median seconds for an empty device to take in ``n`` records from a real server."""
    import httpx

    from tests.support.server import add_user, running_server

    pw = "mật khẩu bench 2026"
    with running_server(tmp) as srv:
        add_user(srv, "bench", "field_officer", UNIT, pw)
        token = httpx.post(
            srv.api + "/auth/token",
            data={"username": "bench", "password": pw, "device_id": "seeder"},
        ).json()["access_token"]
        changes = _seed_changes(n, text_chars)
        with httpx.Client(
            base_url=srv.api, timeout=120, headers={"Authorization": f"Bearer {token}"}
        ) as client:
            for i in range(0, n, 1000):
                r = client.post(
                    "/sync/push", json={"device_id": "seeder", "changes": changes[i : i + 1000]}
                )
                r.raise_for_status()
                assert all(x["status"] == "applied" for x in r.json()["results"])
        times = []
        for k in range(repeat):
            t = time.perf_counter()
            dev = Device.login(
                tmp / f"phone-{k}",
                server=srv.url,
                username="bench",
                password=pw,
                device_id=f"bench-phone-{k}",
            )
            report = dev.sync()
            times.append(time.perf_counter() - t)
            assert report.pulled == n and dev.records.count() == n, report
            dev.close()
        return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-sync", action="store_true", help="skip the server figures")
    parser.add_argument("--repeat", type=int, default=1, help="first syncs per figure (median)")
    args = parser.parse_args()
    figures: dict[str, Any] = {"machine": platform.machine(), "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        save = bench_save(tmp / "save")
        figures["save_ms"] = round(save, 3)
        print(f"save one record (finalize + outbox, WAL FULL): median {save:.2f} ms  (target < 5)")
        search, like, hits = bench_search(tmp / "search")
        figures["search_ms"] = round(search, 3)
        figures["search_like_ms"] = round(like, 3)
        print(
            f"search over 20,000 records (FTS5 trigram): median {search:.2f} ms  (target < 50)"
            f"; LIKE fallback {like:.2f} ms; up to {hits} hits shown"
        )
        if not args.no_sync:
            first = bench_first_sync(tmp / "sync", repeat=args.repeat)
            figures["first_sync_s"] = round(first, 3)
            print(
                f"first sync of 10,000 records to an empty device: {first:.2f} s  (target < 10)"
                f"{f'; median of {args.repeat}' if args.repeat > 1 else ''}"
            )
            big = bench_first_sync(tmp / "sync2k", text_chars=2000, repeat=args.repeat)
            figures["first_sync_2k_s"] = round(big, 3)
            print(f"first sync of 10,000 records of ~2 KB text to an empty device: {big:.2f} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
