"""A report read right after a push includes it (issue 22), on SQLite and PostgreSQL.

Each push below is answered, then at once (no wait, no other request between) a district officer
reads the summary: every figure the push moved has moved. Bodies go as the device sends them
(gzip level 1, batches of 500).
"""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import orjson

from tests.server.helpers import change, client, new_id, record_fields

DAK_WIL = "24643"


def _push_as_device(c: httpx.Client, device: str, changes: list[dict[str, Any]]) -> None:
    body = gzip.compress(orjson.dumps({"device_id": device, "changes": changes}), compresslevel=1)
    r = c.post("/sync/push", content=body,
               headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert all(x["status"] == "applied" for x in r.json()["results"]), r.text


def _dak_wil(c: httpx.Client) -> dict[str, Any]:
    body = c.get("/reports/summary", params={"unit": "662"}).json()
    found: dict[str, Any] = next(ch for ch in body["children"] if ch["unit"]["code"] == DAK_WIL)
    return found


def _model(area: str, status: str, people: int) -> dict[str, Any]:
    return record_fields("model", DAK_WIL, residential_area=area, content_area="4",
                         status=status, participating_people=people)  # fmt: skip


def test_a_summary_read_right_after_each_push_includes_it(live_server: Any) -> None:
    officer, dev = client(live_server, "officer")
    district, _ = client(live_server, "district")
    before = _dak_wil(district)
    area = new_id()
    models = [new_id() for _ in range(1200)]
    changes = [
        change(dev, record_fields("residential_area", DAK_WIL, name="Thôn 9"), record_id=area)
    ]
    changes += [
        change(dev, _model(area, "building", 3), entity="model", record_id=m) for m in models
    ]
    seen = before
    for i in range(0, len(changes), 500):  # three pushes, each read back at once
        batch = changes[i : i + 500]
        _push_as_device(officer, dev, batch)
        now = _dak_wil(district)
        added = sum(1 for ch in batch if ch["entity"] == "model")
        assert (
            now["models"]["by_content_area"]["4"] == seen["models"]["by_content_area"]["4"] + added
        )
        assert now["participants"] == seen["participants"] + 3 * added
        seen = now

    edits = [change(dev, {"status": "operating", "participating_people": 5}, entity="model",
                    record_id=m, base_rev=1) for m in models[:400]]  # fmt: skip
    deletes = [change(dev, None, entity="model", record_id=m, op="delete", base_rev=1)
               for m in models[400:500]]  # fmt: skip
    _push_as_device(officer, dev, edits + deletes)
    after = _dak_wil(district)
    assert (
        after["models"]["by_status"]["operating"] == seen["models"]["by_status"]["operating"] + 400
    )
    assert after["models"]["by_status"]["building"] == seen["models"]["by_status"]["building"] - 500
    assert after["models"]["by_content_area"]["4"] == seen["models"]["by_content_area"]["4"] - 100
    assert after["participants"] == seen["participants"] + 400 * 2 - 100 * 3
