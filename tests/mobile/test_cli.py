"""`dkst device` commands over the same core (offline parts; login/sync run in test_sync_live)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from mobile.cli import register
from mobile.core.device import _write_device_json
from tests.mobile.conftest import offline_device

app = typer.Typer()
register(app)
runner = CliRunner()


def _setup(tmp_path: Path) -> Path:
    data = tmp_path / "phone"
    offline_device(data).close()
    _write_device_json(
        data, {"device_id": "dev-a", "current": {"server": "http://127.0.0.1:9", "username": "lan"}}
    )
    return data


def test_new_list_status(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    d = ["device", "--data-dir", str(data)]
    r = runner.invoke(
        app,
        [
            *d,
            "new",
            "residential_area",
            "-f",
            "name=Buôn Trum",
            "-f",
            "kind=buon",
            "-f",
            "households=80",
        ],
    )
    assert r.exit_code == 0, r.output
    area = r.output.strip()
    spec = tmp_path / "model.json"
    spec.write_text(json.dumps({"name": "Đoàn Kết nhà lưới", "residential_area": area}))
    r = runner.invoke(
        app,
        [
            *d,
            "new",
            "model",
            "--json",
            str(spec),
            "-f",
            "content_area=2",
            "-f",
            "linked_campaigns=cultural_life,covid_dual_goal",
        ],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, [*d, "new", "model", "-f", "name=Chưa xong"])
    assert r.exit_code == 1  # saved as a draft, issues printed
    assert "required" in r.output
    r = runner.invoke(app, [*d, "new", "model", "-f", "name=Nháp", "--draft"])
    assert r.exit_code == 0
    r = runner.invoke(app, [*d, "list", "model", "--search", "doan ket"])
    assert r.exit_code == 0 and "Đoàn Kết nhà lưới" in r.output and "Nháp" not in r.output
    r = runner.invoke(app, [*d, "list", "--json"])
    assert len(json.loads(r.output)) == 4
    r = runner.invoke(app, [*d, "status"])
    assert r.exit_code == 0
    assert "2 pending" in r.output and "drafts: 2" in r.output and "last sync: never" in r.output


def test_bad_usage_and_no_account(tmp_path: Path) -> None:
    r = runner.invoke(app, ["device", "--data-dir", str(tmp_path / "none"), "status"])
    assert r.exit_code == 3
    data = _setup(tmp_path)
    d = ["device", "--data-dir", str(data)]
    assert runner.invoke(app, [*d, "new", "model", "-f", "nameonly"]).exit_code == 2
    assert runner.invoke(app, [*d, "new", "nonsense"]).exit_code == 2
    assert runner.invoke(app, [*d, "new", "model", "-f", "participating_people=x"]).exit_code == 2
