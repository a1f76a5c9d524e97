"""A Cư Jút server across the 2025 reform, as the web and report tests of issue 19 need it.

Before the move (legacy tree): Xã Ea Pô (24646) and Xã Đắk Wil (24643), which both become Xã Đắk
Wil (24646), each with a residential area and a model; Thị trấn Ea T'Ling (24640, becomes Xã Cư
Jút) with one; Huyện Cư Jút (662) with a model of its own and a visit of it (the district's
records go to Xã Cư Jút, the new commune of its district town, listed for staff to check); a plan of the
district with Ea Pô's report submitted on time. Then ``dkst units reform``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import PASSWORD
from tests.server.helpers import change, client, push
from tests.support import server as support
from tests.support.records import record_fields

CU_JUT, PROVINCE = "662", "67"
EA_PO, DAK_WIL_OLD, EA_TLING = "24646", "24643", "24640"
DAK_WIL, CU_JUT_NEW, NAM_DONG, LAM_DONG = "24646", "24640", "24649", "68"
USERS = [
    ("officer_po", "field_officer", EA_PO),
    ("officer_wil", "field_officer", DAK_WIL_OLD),
    ("officer_tling", "field_officer", EA_TLING),
    ("officer_district", "field_officer", CU_JUT),
    ("commune_po", "commune_staff", EA_PO),
    ("commune_wil", "commune_staff", DAK_WIL_OLD),
    ("district", "district_staff", CU_JUT),
    ("admin", "admin", PROVINCE),
]
# Names of each old unit's residential area and model.
NAMES = {
    EA_PO: ("Buôn Trum", "Nuôi bò sinh sản"),
    DAK_WIL_OLD: ("Thôn 3", "Vườn cà phê sạch"),
    EA_TLING: ("Tổ dân phố 2", "Tuyến đường hoa"),
    CU_JUT: ("", "Quỹ khuyến học huyện"),
}
# Figures of each model: people, households, state budget.
MODELS = {
    EA_PO: (10, 4, 1_000_000),
    DAK_WIL_OLD: (5, 2, 250_000),
    EA_TLING: (7, 3, 0),
    CU_JUT: (3, 0, 500_000),
}


@dataclass
class World:
    srv: support.LiveServer
    areas: dict[str, str] = field(default_factory=dict)  # old commune → area id
    models: dict[str, str] = field(default_factory=dict)  # old unit → model id
    district_visit: str = ""
    plan_id: str = ""
    reform_out: str = ""

    def api(self, username: str) -> httpx.Client:
        return client(self.srv, username)[0]


def _seed(w: World) -> None:
    for unit, who in (
        (EA_PO, "officer_po"),
        (DAK_WIL_OLD, "officer_wil"),
        (EA_TLING, "officer_tling"),
        (CU_JUT, "officer_district"),
    ):
        c, dev = client(w.srv, who)
        people, households, budget = MODELS[unit]
        numbers = {
            "participating_people": people,
            "participating_households": households,
            "state_budget_vnd": budget,
        }
        changes = []
        if unit != CU_JUT:
            area = change(dev, record_fields("residential_area", unit, name=NAMES[unit][0]))
            w.areas[unit] = area["record_id"]
            changes.append(area)
            numbers["residential_area"] = area["record_id"]
        model = change(
            dev, record_fields("model", unit, name=NAMES[unit][1], **numbers), entity="model"
        )
        w.models[unit] = model["record_id"]
        changes.append(model)
        if unit == CU_JUT:
            visit = change(
                dev, record_fields("visit", unit, model=model["record_id"]), entity="visit"
            )
            w.district_visit = visit["record_id"]
            changes.append(visit)
        results = push(c, dev, changes)
        assert all(r["status"] == "applied" for r in results), results
    district = w.api("district")
    plan = {
        "number": "12/KH-MTTQ",
        "title": {"vi": "Kế hoạch năm 2022"},
        "unit": CU_JUT,
        "issued_on": "2022-01-10",
        "period": {"from": "2022-01-01", "to": "2022-12-31"},
        "deadline": "2099-12-31",
    }
    r = district.post("/plans", json=plan)
    assert r.status_code == 201, r.text
    w.plan_id = r.json()["plan_id"]
    r = w.api("commune_po").post(f"/plans/{w.plan_id}/reports", json={"unit": EA_PO})
    assert r.status_code == 201, r.text


def reform(srv: support.LiveServer) -> str:
    env = support.server_env(srv.data_dir, srv.database_url)
    return support.dkst("units", "reform", "--data-dir", str(srv.data_dir), env=env).stdout


@contextmanager
def reformed_world(
    tmp_path: Path, database_url: str | None, *, before: bool = False
) -> Iterator[World]:
    """The scenario's server, reformed (``before``: not yet, the test reforms it)."""
    with support.running_server(
        tmp_path, database_url, units_under=(CU_JUT,), in_process=True
    ) as srv:
        support.add_users(srv, list(USERS), PASSWORD)
        w = World(srv)
        _seed(w)
        if not before:
            w.reform_out = reform(srv)
        yield w


def summary(c: httpx.Client, unit: str, **params: Any) -> dict[str, Any]:
    r = c.get("/reports/summary", params={"unit": unit, **params})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def stored(srv: support.LiveServer, record_id: str) -> tuple[str, int]:
    """(unit, rev) of a record as the server's database holds it (whoever may see it)."""
    from server.db.engine import make_engine, read_tx
    from server.store import records

    engine = make_engine(srv.settings().db_url)
    try:
        with read_tx(engine) as conn:
            row = records.one(conn, record_id)
    finally:
        engine.dispose()
    return str(row.unit), int(row.rev)
