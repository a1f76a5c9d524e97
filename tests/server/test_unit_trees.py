"""Issue 19: a server works in one tree of units (SYNC.md "Units and the 2025 reform").

``dkst units import --source legacy --under 662`` then ``--source current --under 66`` once
answered "imported 103 units" and overwrote codes of the first tree with the second's, so that
records on those codes meant other places. Importing the other tree is now refused with a clear
message, and nothing is written; ``GET /units`` says each unit's tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from server.db.engine import make_engine, read_tx, write_tx
from server.db.migrate import upgrade
from server.db.schema import units
from server.services.units import OtherTreeError, import_units, server_tree
from tests.server.helpers import client
from tests.support.server import dkst, server_env


def _units(engine: Any) -> dict[str, tuple[str, str]]:
    with read_tx(engine) as conn:
        return {r.code: (r.name, r.source) for r in conn.execute(select(units))}


def test_the_other_tree_is_refused_and_nothing_is_written(
    database_url: str | None, tmp_path: Path
) -> None:
    engine = make_engine(database_url or f"sqlite:///{tmp_path}/t.sqlite")
    upgrade(engine)
    with read_tx(engine) as conn:
        assert server_tree(conn) is None  # an empty server takes the tree of its first import
    with write_tx(engine) as conn:
        import_units(conn, source="legacy", under="662")
    before = _units(engine)
    assert before["24646"] == ("Xã Ea Pô", "legacy")
    with pytest.raises(OtherTreeError, match="legacy tree"), write_tx(engine) as conn:
        import_units(conn, source="current", under="68")
    assert _units(engine) == before  # 24646 is still Xã Ea Pô, not Xã Đắk Wil
    with write_tx(engine) as conn:  # the same tree again: fine, idempotent
        import_units(conn, source="legacy", under="663")
        assert server_tree(conn) == "legacy"
    engine.dispose()


def test_the_cli_says_why(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = server_env(data, None)
    d = ["--data-dir", str(data)]
    dkst("units", "import", "--source", "current", "--under", "68", *d, env=env)
    r = dkst("units", "import", "--source", "legacy", "--under", "662", *d, env=env, check=False)
    assert r.returncode == 2
    assert "current tree" in r.stderr and "legacy units cannot be added" in r.stderr


def test_units_say_their_tree(live_server: Any) -> None:
    district, _ = client(live_server, "district")
    assert {u["tree"] for u in district.get("/units").json()} == {"legacy"}


def test_unit_before_2025_is_the_servers_alone(live_server: Any) -> None:
    """SYNC.md: the read-only field unit_before_2025 is set by the server only; any role's push of
    it is ``forbidden_field``; exports have its column."""
    from tests.server.helpers import change, push, record_fields
    from tests.server.test_exports import csv_export

    for role in ("officer", "commune", "district", "admin"):
        c, dev = client(live_server, role)
        fields = record_fields("residential_area", unit_before_2025="24646")
        res = push(c, dev, [change(dev, fields)])[0]
        assert res["status"] == "rejected", role
        assert {(e["field"], e["code"]) for e in res["errors"]} == {
            ("unit_before_2025", "forbidden_field")
        }
    district, _ = client(live_server, "district")
    assert "unit_before_2025" in csv_export(district).headers["model.csv"]


def test_a_new_installation_starts_on_the_current_tree(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = server_env(data, None)
    dkst("units", "import", "--under", "68", "--data-dir", str(data), env=env)
    engine = make_engine(f"sqlite:///{data}/dkst.sqlite")
    try:
        got = _units(engine)
    finally:
        engine.dispose()
    assert got["24646"] == ("Xã Đắk Wil", "current") and got["68"][1] == "current"
