"""`dkst device` commands over the same core (offline parts; login/sync run in test_sync_live)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from mobile.cli import register
from mobile.core.data_dir import write_device_json
from tests.mobile.conftest import offline_device

app = typer.Typer()
register(app)
runner = CliRunner()


def _setup(tmp_path: Path) -> Path:
    data = tmp_path / "phone"
    offline_device(data).close()
    write_device_json(
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


def test_edit_finalize_delete_and_photo(tmp_path: Path) -> None:
    from PIL import Image

    data = _setup(tmp_path)
    d = ["device", "--data-dir", str(data)]
    r = runner.invoke(app, [*d, "new", "residential_area", "-f", "name=Thôn 5", "-f", "kind=thon"])
    area = r.output.strip()
    r = runner.invoke(app, [*d, "new", "model", "-f", "name=Nhà lưới", "--draft"])
    model = r.output.splitlines()[0]
    # The draft fails to finalize, says why, then an edit fixes it and finalizes it.
    r = runner.invoke(app, [*d, "finalize", model])
    assert r.exit_code == 1 and "Khu dân cư: Trường bắt buộc (required)" in r.output
    r = runner.invoke(
        app,
        [*d, "edit", model, "-f", f"residential_area={area}", "-f", "content_area=2", "--draft"],
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, [*d, "edit", model, "-f", "status=stopped"])
    assert r.exit_code == 1 and "Lý do dừng" in r.output  # skip logic: now required
    r = runner.invoke(app, [*d, "edit", model, "-f", "stop_reason=Thiếu vốn"])
    assert r.exit_code == 0, r.output
    # A photo as evidence of the model: resized, queued for upload, a finalized evidence record.
    jpg = tmp_path / "anh.jpg"
    Image.new("RGB", (2400, 1800), (10, 120, 40)).save(jpg)
    r = runner.invoke(app, [*d, "photo", model, str(jpg), "--caption", "Nhà lưới"])
    assert r.exit_code == 0, r.output
    assert "image/jpeg" in r.output
    r = runner.invoke(app, [*d, "status"])
    assert "files: 1 to upload" in r.output
    bad = tmp_path / "notes.txt"
    bad.write_text("không phải ảnh")
    r = runner.invoke(app, [*d, "photo", model, str(bad)])
    assert r.exit_code == 2 and "not accepted" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, [*d, "photo", area, str(jpg)])
    assert r.exit_code == 2 and "not a residential_area" in r.output
    r = runner.invoke(app, [*d, "photo", model, str(tmp_path / "missing.jpg")])
    assert r.exit_code == 2 and "cannot read" in r.output
    # Delete: a never-sent draft goes at once; a queued record becomes a deletion to send.
    r = runner.invoke(app, [*d, "new", "model", "-f", "name=Bỏ", "--draft"])
    assert runner.invoke(app, [*d, "delete", r.output.splitlines()[0]]).output == "draft removed\n"
    r = runner.invoke(app, [*d, "delete", area])
    assert r.exit_code == 0 and "next sync" in r.output
    r = runner.invoke(app, [*d, "edit", "0" * 8, "-f", "name=x"])
    assert r.exit_code == 2 and "no record" in r.output


def test_errors_are_sentences(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    d = ["device", "--data-dir", str(data)]
    r = runner.invoke(app, [*d, "new", "model", "-f", "households_out_of_poverty=nhiều"])
    assert r.exit_code == 2 and "'nhiều' is not an integer" in r.output
    r = runner.invoke(app, [*d, "new", "model", "-f", "colour=red"])
    assert r.exit_code == 2 and "has no field 'colour'" in r.output
    r = runner.invoke(app, [*d, "new", "visit", "-f", "location=12.6"])
    assert r.exit_code == 2 and "geopoint" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
