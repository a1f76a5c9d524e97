"""Issue 19: ``dkst units reform`` on SQLite and PostgreSQL (SYNC.md "Units and the 2025 reform").

A legacy server with Huyện Cư Jút's records is moved to the current tree: records take the new
units and keep their old ones, users are bound no higher than before, devices pull every moved
record, a split commune's records and a district's own are listed for staff, a kill at any point
leaves the server wholly on one tree, and a second run does nothing."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from server.db.engine import make_engine, read_tx
from server.db.schema import records, units
from shared_schema.reform import load_reform
from tests.conftest import PASSWORD as PW
from tests.server.helpers import change, pull_all, push, record_fields
from tests.support import server as support

OLD_DAK_WIL, EA_PO, EA_TLING, NEW_DAK_WIL, CU_JUT_NEW = "24643", "24646", "24640", "24646", "24640"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def srv(database_url: str | None, tmp_path: Path) -> Iterator[Any]:
    with support.running_server(
        tmp_path, database_url, units_under=(support.CU_JUT,), in_process=True
    ) as s:
        support.add_users(
            s,
            [
                ("lan", "field_officer", OLD_DAK_WIL),
                ("xa.eapo", "commune_staff", EA_PO),
                ("huyen", "district_staff", support.CU_JUT),
                ("tinh", "admin", "67"),
            ],
            PW,
        )
        yield s


def reform(srv: Any, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = support.server_env(srv.data_dir, srv.database_url)
    return support.dkst(
        "units", "reform", "--data-dir", str(srv.data_dir), *args, env=env, check=check
    )


def _c(srv: Any, user: str) -> tuple[Any, str]:
    dev = f"{user}-dev"
    return support.login(srv, user, PW, dev), dev


def test_the_reform_moves_records_users_and_keeps_the_old_units(srv: Any) -> None:
    lan, lan_dev = _c(srv, "lan")
    area = change(lan_dev, record_fields("residential_area", OLD_DAK_WIL, name="Buôn Trum"))
    assert push(lan, lan_dev, [area])[0]["status"] == "applied"
    area_id = area["record_id"]
    model = change(
        lan_dev, record_fields("model", OLD_DAK_WIL, residential_area=area_id), entity="model"
    )
    assert push(lan, lan_dev, [model])[0]["status"] == "applied"
    xa, xa_dev = _c(srv, "xa.eapo")
    ea_po = change(xa_dev, record_fields("residential_area", EA_PO, name="Thôn Ea Pô"))
    gone = change(xa_dev, record_fields("residential_area", EA_PO, name="Thôn tạm"))
    assert [x["status"] for x in push(xa, xa_dev, [ea_po, gone])] == ["applied"] * 2
    assert (
        push(
            xa, xa_dev, [change(xa_dev, None, record_id=gone["record_id"], op="delete", base_rev=1)]
        )[0]["status"]
        == "applied"
    )
    huyen, huyen_dev = _c(srv, "huyen")
    own = change(huyen_dev, record_fields("model", support.CU_JUT), entity="model")
    assert push(huyen, huyen_dev, [own])[0]["status"] == "applied"
    before, cursor = pull_all(huyen)
    assert len(before) == 5

    # The dry run says what would move and writes nothing.
    dry = reform(srv, "--dry-run").stdout
    assert "would move 5 records" in dry and "dry run: nothing was written" in dry
    assert "Xã Ea Pô (24646) → Xã Đắk Wil (24646): 2" in dry
    assert "user huyen: 662 → 24640, 24646, 24649" in dry
    assert pull_all(huyen, cursor)[0] == []
    assert {u["tree"] for u in huyen.get("/units").json()} == {"legacy"}

    out = reform(srv).stdout
    assert "moved 5 records" in out
    moved, _ = pull_all(huyen, cursor)  # every moved record is pulled again, tombstone included
    by_id = {m["record_id"]: m for m in moved}
    assert set(by_id) == {r["record_id"] for r in before}
    for rec in before:
        m = by_id[rec["record_id"]]
        assert m["rev"] == rec["rev"] + 1
        assert m["fields"].get("unit_before_2025") == rec["fields"].get("unit") or m["deleted"]
    assert by_id[area_id]["fields"]["unit"] == NEW_DAK_WIL
    assert by_id[ea_po["record_id"]]["fields"]["unit"] == NEW_DAK_WIL  # Ea Pô became Đắk Wil
    assert by_id[gone["record_id"]]["deleted"]
    # The district's own record: the commune its town (Thị trấn Ea T'Ling) became, Xã Cư Jút.
    assert by_id[own["record_id"]]["fields"]["unit"] == CU_JUT_NEW

    # Users: never higher than before; the district's staff on its three new communes.
    units_of = {
        u: sorted(x["code"] for x in _c(srv, u)[0].get("/units").json()) for u in ("lan", "huyen")
    }
    assert units_of["lan"] == [NEW_DAK_WIL]
    assert units_of["huyen"] == ["24640", "24646", "24649"]
    tinh_units = {x["code"]: x for x in _c(srv, "tinh")[0].get("/units").json()}
    assert "68" in tinh_units  # Đắk Nông's staff: the province it joined, Lâm Đồng
    assert {x["tree"] for x in tinh_units.values()} == {"current"}
    assert tinh_units[NEW_DAK_WIL]["name"] == "Xã Đắk Wil"

    # A push can still not set unit_before_2025; the district's own record is listed to check.
    bad = change(
        lan_dev, {**record_fields("residential_area", NEW_DAK_WIL), "unit_before_2025": "1"}
    )
    assert push(_c(srv, "lan")[0], lan_dev, [bad])[0]["errors"][0]["code"] == "forbidden_field"
    with (srv.data_dir / "reform-choices.csv").open(encoding="utf-8-sig") as fh:
        listed = list(csv.DictReader(fh))
    assert [(c["record_id"], c["unit"]) for c in listed] == [(own["record_id"], CU_JUT_NEW)]
    assert "cấp huyện kết thúc" in listed[0]["ly_do"]

    # A new commune's summary counts the records of both old communes.
    summary = _c(srv, "huyen")[0].get("/reports/summary", params={"unit": NEW_DAK_WIL}).json()
    assert len(summary["children"]) == 2  # Buôn Trum (from Đắk Wil) and Thôn Ea Pô, not the deleted

    again = reform(srv)
    assert "nothing to do: the server already works in the current tree" in again.stdout


def test_a_split_commune_goes_to_its_default_and_is_listed(
    database_url: str | None, tmp_path: Path
) -> None:
    mapping = load_reform()
    split = next(o for o in mapping.outcomes() if o.split and not o.via)
    from shared_schema.units import load_units

    legacy = load_units("legacy")
    district = legacy[split.old].parent
    assert district is not None
    with support.running_server(
        tmp_path, database_url, units_under=(district,), in_process=True
    ) as s:
        support.add_users(s, [("xa", "commune_staff", split.old)], PW)
        c, dev = _c(s, "xa")
        area = change(dev, record_fields("residential_area", split.old, name="Thôn Một"))
        assert push(c, dev, [area])[0]["status"] == "applied"
        reform(s)
        [rec], _ = pull_all(_c(s, "xa")[0])
        assert (
            rec["fields"]["unit"] == split.default
            and rec["fields"]["unit_before_2025"] == split.old
        )
        with (s.data_dir / "reform-choices.csv").open(encoding="utf-8-sig") as fh:
            [row] = list(csv.DictReader(fh))
        assert row["by"] == "default" and "xã bị chia" in row["ly_do"]
        assert all(p in row["co_the_chuyen_den"] for p in split.parts)
        # Its staff are bound to every part, each a commune: no higher than before.
        assert sorted(u["code"] for u in _c(s, "xa")[0].get("/units").json()) == sorted(split.parts)


# ---------------------------------------------------------------------------- a kill in the middle
_LOAD = """
import sys
from bench.reports import Generator, seed
from server.db.engine import make_engine, write_tx
from server.db.migrate import upgrade
from server.store import facts
engine = make_engine(sys.argv[1]); upgrade(engine)
with write_tx(engine) as conn:
    communes = seed(conn)
gen = Generator(communes)
with write_tx(engine) as conn:
    facts.bulk_load(conn, gen.rows(int(sys.argv[2])))
"""


def _state(url: str) -> tuple[set[str], dict[int, int]]:
    engine = make_engine(url)
    try:
        with read_tx(engine) as conn:
            trees = {r[0] for r in conn.execute(select(units.c.source).distinct())}
            revs = dict(
                conn.execute(select(records.c.rev, func.count()).group_by(records.c.rev)).all()
            )
        return trees, revs
    finally:
        engine.dispose()


def test_a_kill_at_any_point_leaves_one_tree(database_url: str | None, tmp_path: Path) -> None:
    """Killed (-9) while moving records, then while replacing the units: wholly on the old tree
    each time; then a run to the end, and a second run that does nothing."""
    url = database_url or f"sqlite:///{tmp_path}/k.sqlite"
    n = 3000  # three batches of 1,000: the first kill lands between them
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": url,
        "DKST_PASSWORD_HASH": "test",
    }
    subprocess.run([sys.executable, "-c", _LOAD, url, str(n)], check=True, env=env, cwd=ROOT)
    assert _state(url) == ({"legacy"}, {1: n})
    cmd = [sys.executable, "-m", "dkst", "units", "reform", "--batch", "1000"]
    cmd += ["--data-dir", str(tmp_path / "d")]
    for step in ("… 1000 records", "… units"):
        p = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None
        for line in p.stdout:
            if line.strip() == step:
                p.send_signal(signal.SIGKILL)
                break
        assert p.wait() == -signal.SIGKILL, f"the reform ended before {step!r}"
        assert _state(url) == ({"legacy"}, {1: n}), f"killed at {step!r}"
    r = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert f"moved {n} records" in r.stdout
    assert _state(url) == ({"current"}, {2: n})
    again = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert "nothing to do" in again.stdout and _state(url) == ({"current"}, {2: n})
