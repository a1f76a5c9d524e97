"""`dkst demo --history`: Huyện Cư Jút's 2022–2025 records on the old map, then the 2025 reform.

On a new data directory: the legacy units of Huyện Cư Jút (662), its district staff ``huyen.cujut``
and Xã Ea Pô's commune staff ``mttq.eapo``, the demo's records of 2022 in Xã Ea Pô, Thị trấn Ea
T'Ling and Xã Đắk DRông, a 2022 plan of the district with Xã Ea Pô's report sent on time. Then
``dkst units reform`` moves the server: the records land in Xã Đắk Wil, Xã Cư Jút and Xã Nam Dong
with ``unit_before_2025`` kept and their history intact, the users are bound to the new communes,
the plan still shows Xã Ea Pô's report. Then the new map's demo (:func:`load_demo`) on top.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy import Engine

from server import store
from server.config import ServerSettings
from server.db.engine import read_tx, write_tx
from server.services import auth as auth_service
from server.services import plans, reports
from server.services.demo import (
    OLD_MAP,
    add_demo_users,
    demo_id,
    demo_records,
    load_demo,
    seed_records,
)
from server.services.reform import reform
from server.services.units import OtherTreeError, import_units, server_tree
from shared_schema.units import load_units

__all__ = ["HISTORY_USERS", "load_history_demo"]

CU_JUT_OLD = "662"
HISTORY_USERS = (
    ("huyen.cujut", "district_staff", CU_JUT_OLD),
    ("mttq.eapo", "commune_staff", OLD_MAP.first),
)
PLAN_NUMBER = "44/KH-MTTQ-BTT"


def _principal(conn: Any, username: str) -> auth_service.Principal:
    user = store.users.by_name(conn, username)
    assert user is not None
    units = store.users.units_of(conn, int(user["id"]))
    return auth_service.Principal(
        int(user["id"]),
        username,
        str(user["role"]),
        units,
        "demo-seed",
        auth_service.scope_of(conn, list(units)),
    )


def _plan_2022(engine: Engine) -> str:
    """The district's 2022 plan and Xã Ea Pô's report, sent before the deadline (in 2022)."""
    with write_tx(engine) as conn:
        who = _principal(conn, "huyen.cujut")
        existing = [p for p in plans.list_plans(conn, who) if p["number"] == PLAN_NUMBER]
        if existing:
            return "Kế hoạch / plan 44/KH-MTTQ-BTT: đã có / exists"
        plan = plans.create_plan(
            conn,
            who,
            {
                "number": PLAN_NUMBER,
                "title": {"vi": "Sơ kết phong trào “Đoàn kết sáng tạo” năm 2022", "en": None},
                "unit": CU_JUT_OLD,
                "issued_on": "2022-03-01",
                "period": {"from": "2022-01-01", "to": "2022-12-31"},
                "deadline": "2022-12-15",
            },
        )
        figures = reports.summary(conn, who, OLD_MAP.first, plan["plan_id"])
        submitted = "2022-12-10T02:00:00.000Z"
        store.plans.add_report(
            conn,
            {
                "report_id": demo_id("history-report-eapo"),
                "plan_id": plan["plan_id"],
                "unit": OLD_MAP.first,
                "submitted_at": submitted,
                "submitted_by": "mttq.eapo",
                "status": "on_time",
                "comment": "Xã Ea Pô báo cáo sơ kết năm 2022.",
                "figures": orjson.dumps(figures).decode(),
            },
        )
    return "Kế hoạch / plan 44/KH-MTTQ-BTT (2022), báo cáo của Xã Ea Pô đúng hạn / on time"


def load_history_demo(engine: Engine, settings: ServerSettings) -> Iterator[str]:
    """The old map's history, the reform, then the new map's demo. A server already on the current
    tree (the reform done) goes straight to the new map's part."""
    with read_tx(engine) as conn:
        tree = server_tree(conn)
        reformed = store.reform.reformed_at(conn) is not None
    if tree == "current" and reformed:
        yield "Đã sắp xếp theo bản đồ mới / already reformed"
        yield from load_demo(engine, settings)
        return
    if tree == "current":
        raise OtherTreeError("current", "legacy")
    with write_tx(engine) as conn:
        n = import_units(conn, source="legacy", under=CU_JUT_OLD)
    yield f"Bản đồ cũ / old map: {n} đơn vị (Huyện Cư Jút 662, tỉnh Đắk Nông)"
    yield from add_demo_users(engine, HISTORY_USERS, "legacy")
    yield seed_records(
        engine, settings, demo_records(OLD_MAP, year=2022, tag="history-"), "huyen.cujut"
    )
    yield _plan_2022(engine)
    with write_tx(engine) as conn:
        result = reform(conn)
    yield (
        f"Sắp xếp đơn vị 2025 / the reform: {result.records} bản ghi chuyển sang bản đồ mới "
        f"({result.seconds:.1f} s)"
    )
    old_names, new_names = load_units("legacy"), load_units("current")
    for (old, new), count in sorted(result.moves.items()):
        yield f"  {old_names[old].name} ({old}) → {new_names[new].name} ({new}): {count}"
    for username, _, before, after in result.users:
        yield f"  {username}: {', '.join(before)} → {', '.join(after)}"
    yield from load_demo(engine, settings)
