"""The staff side of ``bench/reports.py``: web pages through HTTP and the province's CSV export.

- :func:`web_pages`: the dashboard of a district and of the province and the first page of a
  filtered records list, through HTTP to the app run in this process (a logged-in session, so
  the pages are rendered as a browser gets them); median ms.
- :func:`csv_zip`: ``records.csv.zip`` of a unit streamed by a fresh process (spawned, so that
  its peak RSS is the export's, not the loader's): seconds, MB, peak RSS MB.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.db.engine import make_engine, read_tx
from server.services.auth import Principal

__all__ = ["LIST_FILTERS", "WEB_PASSWORD", "WEB_USER", "csv_zip", "print_more", "web_pages"]

WEB_USER, WEB_PASSWORD = "bench-web", "bench-web-mật-khẩu"
LIST_FILTERS = {"unit": "67", "entity": "model", "content_area": "2", "status": "operating"}


def web_pages(
    url: str,
    runs: int,
    median: Callable[[Callable[[], float], int], tuple[float, float]],
    *,
    district: str,
    province: str,
) -> dict[str, Any]:
    """Median ms of the dashboard of the district and of the province and of the first page of a
    filtered records list, through HTTP to the app in this process (a logged-in staff session)."""
    import re

    from starlette.testclient import TestClient

    from server.app import create_app
    from server.config import ServerSettings

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        app = create_app(ServerSettings(database_url=url, data_dir=Path(tmp)))
        with TestClient(app) as web:
            form = web.get("/web/login").text
            found = re.search(r'type="hidden" name="([^"]+)" value="([^"]+)"', form)
            assert found is not None, "no CSRF field on the login page"
            data = {found[1]: found[2], "username": WEB_USER, "password": WEB_PASSWORD}
            assert web.post("/web/login", data=data).status_code == 200

            def page(path: str, params: dict[str, str]) -> Callable[[], float]:
                def run() -> float:
                    r = web.get(path, params=params)
                    assert r.status_code == 200, r.status_code
                    return 0.0  # the app runs in this process: its CPU is counted already

                return run

            for name, path, params in (
                ("web_district", "/web/", {"unit": district}),
                ("web_province", "/web/", {"unit": province}),
                ("web_list", "/web/records", {**LIST_FILTERS, "unit": province}),
            ):
                out[f"{name}_ms"], out[f"{name}_cpu_ms"] = median(page(path, params), runs)
    return out


def _csv_child(url: str, who: Principal, unit: str, conn_out: Any) -> None:
    """In a fresh process: stream the province's ``records.csv.zip``; send (s, bytes, KiB)."""
    import resource

    from server import exports
    from server.services import downloads
    from server.storage import store_for

    engine = make_engine(url)
    t0, size = time.perf_counter(), 0
    try:
        with tempfile.TemporaryDirectory(prefix="bench-csv-") as tmp:
            with read_tx(engine) as conn:
                query = exports.ExportQuery(name="records.csv.zip", unit=unit)
                prepared = downloads.prepare(conn, who, query, plan=None)
            for chunk in exports.stream(engine, store_for(Path(tmp)), prepared):
                size += len(chunk)
    except Exception as exc:  # the parent waits on the pipe: tell it, do not leave it hanging
        conn_out.send(repr(exc))
        raise
    finally:
        engine.dispose()
    seconds = time.perf_counter() - t0
    use = resource.getrusage(resource.RUSAGE_SELF)
    conn_out.send((seconds, use.ru_utime + use.ru_stime, size, use.ru_maxrss))


def csv_zip(url: str, who: Principal, unit: str) -> dict[str, Any]:
    """``records.csv.zip`` of ``unit`` (the province): seconds, MB written, peak RSS MB of its process."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: its own peak RSS
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_csv_child, args=(url, who, unit, send))
    child.start()
    got = receive.recv()
    child.join()
    if isinstance(got, str):
        raise RuntimeError(f"the CSV export failed in its process: {got}")
    seconds, cpu, size, rss_kib = got
    return {
        "csv_s": round(seconds, 1),
        "csv_cpu_s": round(cpu, 1),  # the export process's own CPU: what a busy machine hides
        "csv_mb": round(size / 2**20, 1),
        "csv_bytes": size,
        "csv_rss_mb": round(rss_kib / 1024),
    }


def print_more(results: dict[str, Any]) -> None:
    """The plan summaries with a cut period, the web pages and the province's CSV."""
    print("with a period cutting months (province, commune); web pages (HTTP, median ms); CSV")
    cols = ("province_cut_plan", "commune_cut_plan", "web_district", "web_province", "web_list")
    print(
        f"{'database':<11}{'records':>10}"
        + "".join(f"{c:>19}" for c in cols)
        + "  csv s (CPU s), MB, RSS MB"
    )
    for name, rows in results.items():
        if isinstance(rows, str):
            continue
        for r in rows:
            cells = "".join(
                f"{str(r[c + '_ms']) + ' (' + str(r[c + '_cpu_ms']) + ')':>19}" for c in cols
            )
            csv = f"{r['csv_s']} ({r['csv_cpu_s']}), {r['csv_mb']}, {r['csv_rss_mb']}"
            print(f"{name:<11}{r['records']:>10,}{cells}  {csv}")
