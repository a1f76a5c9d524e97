"""`dkst units` and `dkst forms` through the real entry point (`python -m dkst`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def dkst(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dkst", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_units_list_cu_jut() -> None:
    result = dkst("units", "list", "--source", "legacy", "--under", "662")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["code", "level", "name"]
    assert lines[1].split(None, 2) == ["662", "district", "Huyện Cư Jút"]
    communes = [
        "Thị trấn Ea T'Ling",
        "Xã Đắk Wil",
        "Xã Ea Pô",
        "Xã Nam Dong",
        "Xã Đắk DRông",
        "Xã Tâm Thắng",
        "Xã Cư Knia",
        "Xã Trúc Sơn",
    ]
    assert len(lines) == 2 + len(communes)
    for name in communes:
        assert name in result.stdout
    # communes are indented under their district
    assert all(line.startswith("  2") for line in lines[2:])


def test_units_list_json() -> None:
    result = dkst("units", "list", "--source", "current", "--under", "68", "--format", "json")
    assert result.returncode == 0, result.stderr
    units = json.loads(result.stdout)
    assert units[0] == {
        "code": "68",
        "name": "Tỉnh Lâm Đồng",
        "level": "province",
        "parent": None,
        "kind": "tinh",
    }
    assert {u["level"] for u in units[1:]} == {"commune"}
    assert "Xã Cư Jút" in {u["name"] for u in units}


@pytest.mark.parametrize("source", ["legacy", "current"])
def test_units_list_unknown_code(source: str) -> None:
    result = dkst("units", "list", "--source", source, "--under", "99999999")
    assert result.returncode == 2
    assert "99999999" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_units_list_bad_source() -> None:
    result = dkst("units", "list", "--source", "future")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_units_help_has_example() -> None:
    result = dkst("units", "list", "--help")
    assert result.returncode == 0
    assert "Example" in result.stdout
    assert "--under 662" in result.stdout


def test_forms_list() -> None:
    from shared_schema.forms import load_default_forms

    forms = load_default_forms().all()
    result = dkst("forms", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["form_id", "version", "entity", "fields"]
    assert len(lines) == 1 + len(forms)
    for form in forms:
        assert form.title.vi in result.stdout
        assert form.title.en in result.stdout
        assert any(
            line.split()[:4]
            == [form.form_id, str(form.version), form.entity, str(len(form.fields))]
            for line in lines[1:]
        )


def test_forms_show() -> None:
    from shared_schema.forms import load_default_forms

    forms = load_default_forms()
    form = max(forms.all(), key=lambda f: (len(f.fields), f.version))
    result = dkst("forms", "show", form.form_id, "--version", str(form.version))
    assert result.returncode == 0, result.stderr
    assert form.sha256 in result.stdout
    for fd in form.fields:
        assert any(
            line.split()[:3] == [fd.name, fd.type, "yes" if fd.required else "no"]
            for line in result.stdout.splitlines()
        ), fd.name
        assert fd.label.vi in result.stdout
    latest = dkst("forms", "show", form.form_id)
    assert latest.returncode == 0, latest.stderr


def test_forms_show_unknown() -> None:
    result = dkst("forms", "show", "no-such-form")
    assert result.returncode == 2
    assert "no-such-form" in result.stderr
    assert "Traceback" not in result.stderr
