"""Issue 19: `dkst demo --history` tells the reform's story: Huyện Cư Jút's 2022 records on the old
map move to the new communes with their history intact, and the new map's demo follows."""

from __future__ import annotations

from pathlib import Path

import orjson
from sqlalchemy import select

from server.db.engine import make_engine, read_tx
from server.db.schema import changes, records, users
from tests.support.server import dkst, server_env


def test_the_history_demo_moves_ea_po_to_dak_wil(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = server_env(data, None)
    out = dkst("demo", "--history", "--data-dir", str(data), env=env).stdout
    assert "Xã Ea Pô (24646) → Xã Đắk Wil (24646): 7" in out
    assert "Thị trấn Ea T'Ling (24640) → Xã Cư Jút (24640): 2" in out
    assert "huyen.cujut: 662 → 24640, 24646, 24649" in out
    assert "tinh " in out and "Cán bộ MTTQ tỉnh" in out  # then the new map's demo

    engine = make_engine(f"sqlite:///{data}/dkst.sqlite")
    with read_tx(engine) as conn:
        moved = [
            (r.record_id, orjson.loads(r.fields), r.rev)
            for r in conn.execute(select(records.c.record_id, records.c.fields, records.c.rev))
        ]
        history = {
            rid: [
                c.device_id
                for c in conn.execute(
                    select(changes.c.device_id)
                    .where(changes.c.record_id == rid)
                    .order_by(changes.c.seq)
                )
            ]
            for rid, f, _ in moved
            if f.get("unit_before_2025") == "24646"
        }
        names = {r.username for r in conn.execute(select(users.c.username))}
    engine.dispose()
    from_ea_po = [f for _, f, _ in moved if f.get("unit_before_2025") == "24646"]
    assert len(from_ea_po) == 7 and {f["unit"] for f in from_ea_po} == {"24646"}
    # Each kept its first change and gained the reform's: the history is intact.
    assert all(devs == ["demo-seed", "server:reform"] for devs in history.values())
    new_map = [f for _, f, _ in moved if "unit_before_2025" not in f]
    assert len(new_map) == 17  # the new map's own records (10 of v1, 7 of v2), made after the move
    assert {"huyen.cujut", "mttq.eapo", "tinh", "mttq.dakwil"} <= names

    again = dkst("demo", "--history", "--data-dir", str(data), env=env).stdout
    assert "already reformed" in again and "0 new" in again
