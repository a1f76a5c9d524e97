"""``bench/reports.py``'s own steps on a few hundred records, so that a change of the code it drives
(an export's signature, the loader) breaks a test and not only the next benchmark run."""

from __future__ import annotations

from pathlib import Path

from bench.report_pages import csv_zip
from bench.reports import ADMIN, PROVINCE, Generator, seed
from server.db.engine import make_engine, write_tx
from server.db.migrate import upgrade
from server.store import facts


def test_the_province_csv_step_streams_what_was_loaded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/dkst.sqlite3"
    engine = make_engine(url)
    upgrade(engine)
    with write_tx(engine) as conn:
        gen = Generator(seed(conn))
        facts.bulk_load(conn, gen.rows(300))
    engine.dispose()
    out = csv_zip(url, ADMIN, PROVINCE)
    assert out["csv_bytes"] > 10_000 and out["csv_rss_mb"] > 0
