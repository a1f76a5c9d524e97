"""The field device's own disk fills during a pull (issue 11 "Faults").

The device's data directory is a small tmpfs (root only: CI runs as root) and the server holds
more records than fit on it. The officer's own answers are pushed, then the pull stores pages
until one no longer fits: that sync stops with the store's ``StoreError`` (the app says the phone
is full), the page's transaction rolls back whole, and the cursor stays after the last page that
was stored, so nothing is skipped later. Every answer saved before is still there with its outbox
change, and SQLite's integrity check is ok. Once space is freed, the next sync completes and the
device holds exactly what the server holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mobile.core.device import Device
from mobile.core.store import StoreError
from tests.mobile.live import PW, device_state, login_device, server_state
from tests.support.device import area_values
from tests.support.disk import fill, needs_root, tmpfs
from tests.support.records import change, record_fields
from tests.support.server import DAK_WIL, LiveServer, login

pytestmark = needs_root

ON_SERVER = 3000  # records of about 600 bytes: far more than the device's free space holds
PAGE = 200


def _fill_server(srv: LiveServer) -> None:
    with login(srv, "minh", PW, "dev-minh") as http:
        for start in range(0, ON_SERVER, 500):
            changes = [
                change(
                    "residential_area",
                    record_fields(
                        "residential_area",
                        DAK_WIL,
                        name=f"Thôn {k} — " + "Buôn Trum Ea T'Ling Đắk Wil " * 5,
                        head_of_work_group=("Nguyễn Thị Hương, Trần Văn Bình " * 6)[:190],
                        households=k,
                    ),
                    hlc=f"{1_700_000_000_000 + k:013d}-0000-dev-minh",
                )
                for k in range(start, min(start + 500, ON_SERVER))
            ]
            r = http.post("/sync/push", json={"device_id": "dev-minh", "changes": changes})
            assert {x["status"] for x in r.json()["results"]} == {"applied"}


def _pages_up_to(srv: LiveServer, cursor: str) -> list[dict[str, Any]]:
    """Every record an inspector pulls, with the device's page size, until the device's cursor."""
    with login(srv, "lan", PW, "inspector") as http:
        out: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": PAGE}
        while True:
            page = http.get("/sync/pull", params=params).json()
            out += page["records"]
            if page["next_cursor"] == cursor:
                return out
            assert page["has_more"], "the device's cursor is not one the pull reaches"
            params["cursor"] = page["next_cursor"]


def test_a_pull_that_fills_the_disk_stores_whole_pages_and_resumes(
    officers: LiveServer, tmp_path: Path
) -> None:
    srv = officers
    _fill_server(srv)
    with tmpfs(tmp_path / "disk", "24m") as disk:
        dev: Device = login_device(disk / "phone", srv.url, "lan", "dev-lan")
        dev.store.update_settings(pull_page_size=PAGE)
        mine = [
            dev.records.create("residential_area", area_values(f"Thôn của Lan {i}")).record_id
            for i in range(5)
        ]
        filler = fill(disk, leave=1536 * 1024)

        with pytest.raises(StoreError, match="full"):
            dev.sync(upload=False)

        assert dev.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # The officer's answers are all there, each with its change (pushed before the pull).
        for rid in mine:
            assert dev.records.get(rid).fields["name"].startswith("Thôn của Lan")
        counts = dev.outbox.counts()
        assert (counts.pending, counts.sent, counts.rejected) == (0, len(mine), 0)
        # The cursor moved only with pages that were stored, and not to the end.
        cursor = dev.store.get_state("pull_cursor")
        assert cursor, "not one page fitted: give the device more room"
        served = _pages_up_to(srv, cursor)
        held = device_state(dev)
        assert len(served) < ON_SERVER + len(mine)
        missing = [r["record_id"] for r in served if r["record_id"] not in held]
        assert missing == [], f"{len(missing)} records behind the cursor are not on the device"
        # ... and no half page past it: the failed page rolled back whole.
        assert set(held) == {r["record_id"] for r in served} | set(mine)

        filler.unlink()
        report = dev.sync(upload=False)
        assert report.problems == []
        assert dev.store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert device_state(dev) == server_state(srv.api, "lan")
        assert len(device_state(dev)) == ON_SERVER + len(mine)
        assert dev.outbox.counts().pending == 0
        dev.close()
