"""Issue 19: a device offline across the 2025 reform loses nothing (SYNC.md "Units and the 2025
reform"). The real device core syncs with a real server; between two syncs the server moves to the
current tree with ``dkst units reform``, while the device keeps recording on the old codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.mobile.live import PW, device_state, login_device, server_state
from tests.support import server as support
from tests.support.device import area_values, model_values

DAK_WIL_OLD, DAK_WIL_NEW = support.DAK_WIL, "24646"  # Xã Đắk Wil: 24643 before, 24646 after


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[Any]:
    with support.running_server(tmp_path, units_under=(support.CU_JUT,), in_process=True) as s:
        support.add_user(s, "lan", "field_officer", DAK_WIL_OLD, PW)
        yield s


def reform(srv: Any) -> str:
    env = support.server_env(srv.data_dir, srv.database_url)
    return support.dkst("units", "reform", "--data-dir", str(srv.data_dir), env=env).stdout


def test_a_device_offline_across_the_reform_loses_nothing(srv: Any, tmp_path: Path) -> None:
    dev = login_device(tmp_path / "dev", srv.url, "lan", "dev-lan")
    area = dev.records.create("residential_area", area_values("Thôn 3")).record_id
    model = dev.records.create("model", model_values(area, "Chăn nuôi bò")).record_id
    dev.sync()
    assert {u["code"]: u["tree"] for u in dev.units()}[DAK_WIL_OLD] == "legacy"

    # Offline: a new area, a model in the synced area, an edit of the synced model, all on 24643.
    area2 = dev.records.create("residential_area", area_values("Buôn Trum")).record_id
    model2 = dev.records.create("model", model_values(area, "Vườn cà phê")).record_id
    assert dev.records.edit(model, {"name": "Chăn nuôi bò sinh sản"}).finalized
    assert dev.records.get(area2).fields["unit"] == DAK_WIL_OLD

    out = reform(srv)
    assert "Xã Đắk Wil (24643) → Xã Đắk Wil (24646): 2" in out

    result = dev.sync()
    assert dev.outbox.counts().pending == 0, result
    truth = server_state(srv.api, "lan")
    assert set(truth) == {area, model, area2, model2}
    for rid in truth:
        _rev, fields, deleted = truth[rid]
        assert fields["unit"] == DAK_WIL_NEW and fields["unit_before_2025"] == DAK_WIL_OLD, rid
        assert not deleted
    assert truth[model][1]["name"] == "Chăn nuôi bò sinh sản"  # the offline edit landed
    assert truth[model2][1]["residential_area"] == area
    # The device holds what the server holds: its records took their new units when pulled.
    assert device_state(dev) == truth
    # Its units refreshed by their ETag: the new commune, on the current tree.
    units = {u["code"]: u for u in dev.units()}
    assert units[DAK_WIL_NEW]["tree"] == "current" and units[DAK_WIL_NEW]["name"] == "Xã Đắk Wil"
    assert DAK_WIL_OLD not in units

    # After the move a new record names the new commune; an old code is no longer a unit here.
    area3 = dev.records.create("residential_area", area_values("Thôn 9")).record_id
    dev.sync()
    assert server_state(srv.api, "lan")[area3][1]["unit"] == DAK_WIL_NEW
    token = httpx.post(
        srv.api + "/auth/token", data={"username": "lan", "password": PW, "device_id": "x"}
    ).json()["access_token"]
    late = {
        "change_id": "9a3c8f0e-0000-4000-8000-000000000001",
        "entity": "residential_area",
        "record_id": "9a3c8f0e-0000-4000-8000-000000000002",
        "op": "upsert",
        "base_rev": None,
        "hlc": f"{int(__import__('time').time() * 1000)}-0000-x",
        "fields": {
            **area_values("Thôn muộn"),
            "unit": DAK_WIL_OLD,
            "form_id": "dkst_residential_area",
            "form_version": 1,
        },
    }
    r = httpx.post(
        srv.api + "/sync/push",
        json={"device_id": "x", "changes": [late]},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["results"][0]
    assert r["status"] == "rejected"  # stamped after the move: 24643 is not a unit any more
