"""DKST's side of ``bench/peer.py``, in a process of its own (the counting proxy's thread stays out
of the device core's interpreter, as PouchDB's Node process is out of it too).

    python bench/peer_device.py load DIR SERVER DOCS BATCH   # log in, save every doc as an answer
    python bench/peer_device.py push DIR                     # push the outbox (timed)
    python bench/peer_device.py pull DIR SERVER BATCH        # an empty device pulls (timed)

``push`` and ``pull`` do their set-up (open the store, log in, fetch forms and units), print
``ready``, wait for a line on stdin (the parent zeroes the proxy's byte counts then), run the timed
phase through the device core's own ``Synchronizer`` and print one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mobile.core.device import Device  # noqa: E402
from mobile.core.http import ApiClient  # noqa: E402
from mobile.core.sync import Synchronizer, SyncReport  # noqa: E402

USERNAME = "peer"
PASSWORD = "mật khẩu đủ dài cho bench"
PUSH_DEVICE = "peer-phone-push"
PULL_DEVICE = "peer-phone-pull"


def _synchronizer(dev: Device) -> tuple[Synchronizer, ApiClient]:
    client = dev.api_client()
    return dev.synchronizer(client), client


def durability(dev: Device) -> str:
    """The device store's own settings, read back from SQLite (what the timed phase ran with)."""
    sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
    level = dev.store.conn.execute("PRAGMA synchronous").fetchone()[0]
    mode = dev.store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    return f"journal_mode={mode}, synchronous={sync.get(level, level)}"


def _wait_for_go() -> None:
    print("ready", flush=True)
    sys.stdin.readline()


def load(data_dir: Path, server: str, docs_path: Path, batch: int) -> dict[str, Any]:
    """Every doc saved as an officer saves an answer: validated, a record row, an outbox change.

    One transaction around all the saves (each save is its own savepoint in it) only to keep this
    untimed set-up short; the outbox holds exactly what 10,000 separate saves would leave.
    """
    docs = json.loads(docs_path.read_text(encoding="utf-8"))
    dev = Device.login(
        data_dir, server=server, username=USERNAME, password=PASSWORD, device_id=PUSH_DEVICE
    )
    dev.store.update_settings(push_batch_size=batch)
    t = time.perf_counter()
    with dev.store.transaction():
        for doc in docs:
            res = dev.records.create(doc["entity"], doc["values"], record_id=doc["record_id"])
            if not res.finalized:
                raise SystemExit(f"doc {doc['record_id']} does not validate: {res.issues}")
    seconds = time.perf_counter() - t
    pending = dev.outbox.pending_count()
    dev.close()
    return {"saved": len(docs), "pending": pending, "seconds": seconds}


def push(data_dir: Path) -> dict[str, Any]:
    dev = Device.open(data_dir)
    sync, client = _synchronizer(dev)
    report = SyncReport()
    _wait_for_go()
    t, cpu = time.perf_counter(), time.process_time()
    sync.push(report)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    settings = durability(dev)
    client.close()
    dev.close()
    if report.applied != report.pushed or report.rejected:
        raise SystemExit(f"push not all applied: {report}")
    return {"docs": report.applied, "seconds": seconds, "client_cpu_s": cpu,
            "durability": settings}  # fmt: skip


def pull(data_dir: Path, server: str, batch: int) -> dict[str, Any]:
    dev = Device.login(
        data_dir, server=server, username=USERNAME, password=PASSWORD, device_id=PULL_DEVICE
    )
    dev.store.update_settings(pull_page_size=batch)
    sync, client = _synchronizer(dev)
    report = SyncReport()
    sync.forms_and_units(report)  # set-up, as PouchDB's side has none of it
    _wait_for_go()
    t, cpu = time.perf_counter(), time.process_time()
    sync.pull(report)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    count = dev.records.count()
    settings = durability(dev)
    client.close()
    dev.close()
    return {"docs": count, "pulled": report.pulled, "pages": report.pages, "seconds": seconds,
            "client_cpu_s": cpu, "durability": settings}  # fmt: skip


def main(argv: list[str]) -> None:
    mode, rest = argv[0], argv[1:]
    if mode == "load":
        out = load(Path(rest[0]), rest[1], Path(rest[2]), int(rest[3]))
    elif mode == "push":
        out = push(Path(rest[0]))
    elif mode == "pull":
        out = pull(Path(rest[0]), rest[1], int(rest[2]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
