"""Records of a district or a province (SYNC.md "Records"): models, initiatives and activities a
district's or province's own Front committee or member organization runs; residential areas stay
with communes; a model of a higher unit names no residential area."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from shared_schema.forms import load_default_forms
from shared_schema.levels import level_issues, waived_required
from tests.server.helpers import change, client, new_id, pull_all, push
from tests.support.records import record_fields

FORMS = load_default_forms()


def _form(entity: str) -> dict[str, Any]:
    f = FORMS.latest(entity)
    return {"form_id": f.form_id, "form_version": f.version}


def model_fields(unit: str, **extra: Any) -> dict[str, Any]:
    return {
        **_form("model"),
        "name": "Mô hình “Tuyến đường hoa” của Hội Phụ nữ huyện",
        "unit": unit,
        "content_area": "3",
        "status": "operating",
        "lead_organization": "womens_union",
        **extra,
    }


def initiative_fields(unit: str) -> dict[str, Any]:
    return {
        **_form("initiative"),
        "title": "Sáng kiến số hoá sổ hộ nghèo",
        "authors": "Nguyễn Thị Hương",
        "field": "administrative_reform",
        "unit": unit,
        "status": "proposed",
    }


def activity_fields(unit: str) -> dict[str, Any]:
    return {
        **_form("activity"),
        "kind": "conference",
        "title": "Hội nghị sơ kết phong trào",
        "date": "2026-06-15",
        "unit": unit,
        "attendees": 120,
    }


@pytest.fixture(scope="module")
def district(live_server: Any) -> Iterator[tuple[httpx.Client, str]]:
    c, dev = client(live_server, "district")
    yield c, dev
    c.close()


@pytest.mark.parametrize("unit", ["662", "67"])
def test_a_district_or_province_has_its_own_models_initiatives_and_activities(
    live_server: Any, unit: str
) -> None:
    who = "district" if unit == "662" else "admin"
    c, dev = client(live_server, who)
    ids = [new_id() for _ in range(3)]
    results = push(
        c,
        dev,
        [
            change(dev, model_fields(unit), record_id=ids[0], entity="model"),
            change(dev, initiative_fields(unit), record_id=ids[1], entity="initiative"),
            change(dev, activity_fields(unit), record_id=ids[2], entity="activity"),
        ],
    )
    assert [r["status"] for r in results] == ["applied"] * 3, results
    pulled = {r["record_id"]: r for r in pull_all(c)[0]}
    assert all(pulled[i]["fields"]["unit"] == unit for i in ids)
    # an officer of a commune below does not see them: scope is decided by the record's unit
    o, _ = client(live_server, "officer")
    assert not set(ids) & {r["record_id"] for r in pull_all(o)[0]}
    c.close()
    o.close()


def test_a_model_of_a_higher_unit_names_no_residential_area(
    district: tuple[httpx.Client, str],
) -> None:
    c, dev = district
    [res] = push(
        c, dev, [change(dev, model_fields("662", residential_area=new_id()), entity="model")]
    )
    assert res["status"] == "rejected"
    assert [(e["field"], e["code"]) for e in res["errors"]] == [
        ("residential_area", "invalid_value")
    ]
    rid = new_id()
    push(c, dev, [change(dev, model_fields("662"), record_id=rid, entity="model")])
    [res] = push(
        c,
        dev,
        [change(dev, {"residential_area": new_id()}, record_id=rid, entity="model", base_rev=1)],
    )
    assert [(e["field"], e["code"]) for e in res["errors"]] == [
        ("residential_area", "invalid_value")
    ]


def test_a_commune_model_still_needs_its_residential_area(
    district: tuple[httpx.Client, str],
) -> None:
    c, dev = district
    [res] = push(c, dev, [change(dev, model_fields("24643"), entity="model")])
    assert res["status"] == "rejected"
    assert ("residential_area", "required") in [(e["field"], e["code"]) for e in res["errors"]]


def test_residential_areas_stay_with_communes(live_server: Any) -> None:
    c, dev = client(live_server, "admin")
    for unit in ("662", "67"):
        [res] = push(c, dev, [change(dev, record_fields("residential_area", unit))])
        assert [(e["field"], e["code"]) for e in res["errors"]] == [("unit", "invalid_value")]
    c.close()


def test_level_rules_are_pure() -> None:
    assert level_issues("residential_area", "district", {}) == [("unit", "invalid_value")]
    assert level_issues("model", None, {}) == [("unit", "invalid_value")]
    assert level_issues("model", "province", {"residential_area": None}) == []
    assert waived_required("model", "district") == {"residential_area"}
    assert waived_required("model", "commune") == frozenset()
