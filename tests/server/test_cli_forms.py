"""`dkst forms publish`, run as a person would (the real console entry point)."""

from __future__ import annotations

from pathlib import Path

from tests.support.server import dkst, server_env
from tests.support.xlsforms import CONTEST_ID, contest_form, workbook


def test_publish_from_the_shell(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = server_env(data, None)
    d = ["--data-dir", str(data)]
    dkst("units", "import", "--source", "legacy", "--under", "662", *d, env=env)
    dkst(
        "users",
        "add",
        "quan",
        "--role",
        "admin",
        "--unit",
        "67",
        *d,
        env=env,
        input="mật khẩu đủ dài\n",
    )
    dkst(
        "users",
        "add",
        "lan",
        "--role",
        "district_staff",
        "--unit",
        "662",
        *d,
        env=env,
        input="mật khẩu đủ dài\n",
    )
    form = tmp_path / "hoi_thi.xlsx"
    form.write_bytes(contest_form())
    args = ["forms", "publish", str(form), "--unit", "662", *d]

    preview = dkst(*args, "--as", "quan", "--dry-run", env=env)
    assert f"preview: {CONTEST_ID} v10 (activity) for 662" in preview.stdout
    assert "compared with dkst_activity v2" in preview.stdout
    assert "added: " in preview.stdout and "contestants" in preview.stdout

    done = dkst(*args, "--as", "quan", env=env)
    assert f"published: {CONTEST_ID} v10" in done.stdout
    again = dkst(*args, "--as", "quan", env=env)
    assert f"unchanged: {CONTEST_ID} v10" in again.stdout

    refused = dkst(*args, "--as", "lan", env=env, check=False)
    assert refused.returncode == 2 and "forbidden" in refused.stderr

    bad = tmp_path / "sai.xlsx"
    bad.write_bytes(
        workbook(
            [
                ["type", "name", "label::Vietnamese (vi)"],
                ["begin_repeat", "r", "Lặp"],
                ["end_repeat", "", ""],
            ],
            settings={"form_id": "sai", "version": "50", "entity": "activity"},
        )
    )
    rows = dkst(
        "forms", "publish", str(bad), "--unit", "662", "--as", "quan", *d, env=env, check=False
    )
    assert rows.returncode == 2 and "Traceback" not in rows.stderr
    assert "sheet survey, row 2, column type" in rows.stderr and "lặp" in rows.stderr
