"""``records.xlsx`` at scale: ``GET /exports/records.xlsx`` of the province, 100,000 records.

The records are those of ``bench/reports.py`` (its generator, loaded the same way through
``server.store.facts.bulk_load``), in a fresh SQLite database; the export runs in-process (the
bytes the route streams, without HTTP). ``bench/reports.py`` calls it at its end; alone:
``python bench/exports.py --n 100000``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.reports import ADMIN, CHUNK, PROVINCE, Generator, seed  # noqa: E402
from server.db.engine import make_engine, read_tx, write_tx  # noqa: E402
from server.db.migrate import upgrade  # noqa: E402
from server.store import facts  # noqa: E402


def xlsx_download(n: int) -> dict[str, Any]:
    """``records.xlsx`` of the province with ``n`` records on SQLite, in-process (the bytes
    ``GET /exports/records.xlsx`` streams, without HTTP): seconds to the first byte and to the
    first MiB (the first chunk is only a zip header), total seconds, bytes, and this process's
    peak RSS while it ran (``VmHWM``, reset just before)."""
    from server import exports
    from server.exports.query import ExportQuery
    from server.services import downloads
    from server.storage import store_for

    def kib(key: str) -> int:
        status = Path("/proc/self/status").read_text()
        return int(status.split(key + ":", 1)[1].split()[0])

    with tempfile.TemporaryDirectory(prefix="bench-xlsx-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/dkst.sqlite3")
        upgrade(engine)
        with write_tx(engine) as conn:
            communes = seed(conn)
        gen, loaded = Generator(communes), 0
        while loaded < n:
            rows = gen.rows(min(CHUNK, n - loaded))
            with write_tx(engine) as conn:
                facts.bulk_load(conn, rows)
            loaded += len(rows)
        with read_tx(engine) as conn:
            query = ExportQuery(name="records.xlsx", unit=PROVINCE)
            prepared = downloads.prepare(conn, ADMIN, query, plan=None)
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        before = kib("VmRSS")
        t0 = time.perf_counter()
        first, mib, size = None, None, 0
        for chunk in exports.stream(engine, store_for(Path(tmp) / "files"), prepared):
            if first is None:
                first = time.perf_counter() - t0
            size += len(chunk)
            if mib is None and size >= 2**20:
                mib = time.perf_counter() - t0
        total = time.perf_counter() - t0
        out = {
            "records": n,
            "first_byte_s": round(first or total, 3),
            "first_mib_s": round(mib or total, 2),
            "total_s": round(total, 1),
            "mib": round(size / 2**20, 1),
            "rss_before_mib": round(before / 1024, 1),
            "rss_peak_mib": round(kib("VmHWM") / 1024, 1),
        }
        engine.dispose()
    print(f"records.xlsx of {n:,} records (SQLite, the province, in-process): {out}", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="records")
    xlsx_download(ap.parse_args(argv).n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
