"""The ``plan`` filter of the exports (SYNC.md "Reports and downloads"): only the records of the
plan's period, by the same rule as the summary; a plan the caller cannot see is 404."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.helpers import change, client, error_code, new_id, push
from tests.server.test_exports import csv_export, get
from tests.support.records import record_fields

DAK_WIL = "24643"
PERIOD = {"from": "2022-05-16", "to": "2022-11-20"}


@pytest.fixture(scope="module")
def setup(live_server: Any) -> Iterator[dict[str, Any]]:
    district, _ = client(live_server, "district")
    r = district.post(
        "/plans",
        json={
            "number": f"{uuid.uuid4().hex[:6]}/KH-MTTQ-BTT",
            "title": {"vi": "Kế hoạch tổng kết phong trào “Đoàn kết sáng tạo”", "en": None},
            "unit": "662",
            "issued_on": "2022-05-16",
            "period": PERIOD,
            "deadline": "2022-11-20",
        },
    )
    assert r.status_code == 201, r.text
    officer, dev = client(live_server, "officer")
    area, m_in, m_late, v_in, v_out = (new_id() for _ in range(5))
    ids = {
        "area": area,
        "m_in": m_in,
        "m_late": m_late,
        "v_in": v_in,
        "v_out": v_out,
        "a_in": new_id(),
        "a_out": new_id(),
        "e_in": new_id(),
        "e_out": new_id(),
    }
    changes = [
        change(dev, record_fields("residential_area"), record_id=area),
        change(
            dev,
            record_fields("model", residential_area=area, start_date="2021-03-01"),
            entity="model",
            record_id=m_in,
        ),
        change(
            dev,
            record_fields("model", residential_area=area, start_date="2023-01-10"),
            entity="model",
            record_id=m_late,
        ),
        change(
            dev,
            record_fields("visit", model=m_in, visit_date="2022-06-01"),
            entity="visit",
            record_id=v_in,
        ),
        change(
            dev,
            record_fields("visit", model=m_in, visit_date="2023-06-01"),
            entity="visit",
            record_id=v_out,
        ),
        change(
            dev,
            record_fields("activity", date="2022-11-18"),
            entity="activity",
            record_id=ids["a_in"],
        ),
        change(
            dev,
            record_fields("activity", date="2022-12-01"),
            entity="activity",
            record_id=ids["a_out"],
        ),
        change(
            dev,
            record_fields("evidence", visit=v_in, sha256="a" * 64),
            entity="evidence",
            record_id=ids["e_in"],
        ),
        change(
            dev,
            record_fields("evidence", visit=v_out, sha256="b" * 64),
            entity="evidence",
            record_id=ids["e_out"],
        ),
    ]
    assert {x["status"] for x in push(officer, dev, changes)} == {"applied"}
    yield {"plan": r.json()["plan_id"], "ids": ids, "officer": officer, "district": district}
    officer.close()
    district.close()


def _ids(csvs: dict[str, list[dict[str, str]]], entity: str) -> set[str]:
    return {row["record_id"] for row in csvs.get(f"{entity}.csv", [])}


def test_only_the_records_of_the_plans_period(setup: dict[str, Any]) -> None:
    ids = setup["ids"]
    csvs = csv_export(setup["district"], unit=DAK_WIL, plan=setup["plan"])
    mine = set(ids.values())
    assert _ids(csvs, "residential_area") & mine == {ids["area"]}
    assert _ids(csvs, "model") & mine == {ids["m_in"]}
    assert _ids(csvs, "visit") & mine == {ids["v_in"]}
    assert _ids(csvs, "activity") & mine == {ids["a_in"]}
    assert _ids(csvs, "evidence") & mine == {ids["e_in"]}
    everything = csv_export(setup["district"], unit=DAK_WIL)
    assert {ids["m_late"], ids["v_out"], ids["a_out"], ids["e_out"]} <= (
        _ids(everything, "model")
        | _ids(everything, "visit")
        | _ids(everything, "activity")
        | _ids(everything, "evidence")
    )


def test_a_plan_the_caller_cannot_see_is_404(live_server: Any, setup: dict[str, Any]) -> None:
    outsider, _ = client(live_server, "district_mil")
    r = get(outsider, "records.csv.zip", unit="663", plan=setup["plan"])
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = get(setup["officer"], "records.csv.zip", unit=DAK_WIL, plan=str(uuid.uuid4()))
    assert (r.status_code, error_code(r)) == (404, "not_found")
    outsider.close()


def test_geojson_with_a_plan(setup: dict[str, Any]) -> None:
    r = get(setup["district"], "models.geojson", unit=DAK_WIL, plan=setup["plan"])
    assert r.status_code == 200
    got = {f["id"] for f in r.json()["features"]}
    assert setup["ids"]["m_late"] not in got
