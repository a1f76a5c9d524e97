"""Issue 18: a model without a start date counts for a plan by the day the server first received
it, in Vietnam time (SYNC.md "Plans and commune reports", the period rule), in the summary, the
frozen report, the exports' plan filter and the web list; before, it counted for no plan at all
(Đắk Wil's frozen report counted 3 models of its 4)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.helpers import change, client, new_id, push
from tests.server.test_admin_roles import WebSession
from tests.server.test_exports import csv_export
from tests.support.records import record_fields

DAK_WIL = "24643"


def _today_vn() -> dt.date:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=7)).date()


def _plan(district: Any, to: dt.date) -> str:
    r = district.post(
        "/plans",
        json={
            "number": f"{uuid.uuid4().hex[:6]}/KH-MTTQ",
            "title": {"vi": "Kế hoạch sơ kết", "en": None},
            "unit": "662",
            "issued_on": "2020-01-01",
            "period": {"from": "2020-01-01", "to": to.isoformat()},
            "deadline": (to + dt.timedelta(days=10)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["plan_id"])


@pytest.fixture(scope="module")
def plans(live_server: Any) -> Iterator[dict[str, Any]]:
    today = _today_vn()  # before the push: the day it is received is this one or the next
    officer, dev = client(live_server, "officer")
    area, dated, undated = new_id(), new_id(), new_id()
    results = push(
        officer,
        dev,
        [
            change(dev, record_fields("residential_area"), record_id=area),
            change(
                dev,
                record_fields("model", residential_area=area, start_date="2021-03-01"),
                entity="model",
                record_id=dated,
            ),
            change(
                dev,
                record_fields("model", residential_area=area),
                entity="model",
                record_id=undated,
            ),
        ],
    )
    assert {r["status"] for r in results} == {"applied"}
    district, _ = client(live_server, "district")
    yield {
        "ids": {"dated": dated, "undated": undated},
        "open": _plan(district, today + dt.timedelta(days=30)),  # received within it
        "before": _plan(district, today - dt.timedelta(days=1)),  # ended before it came
        "district": district,
    }


def _models(summary: dict[str, Any]) -> int:
    return sum(summary["totals"]["models"]["by_status"].values())


def test_the_summary_and_the_frozen_report_count_it(
    live_server: Any, plans: dict[str, Any]
) -> None:
    district = plans["district"]
    open_ = district.get("/reports/summary", params={"unit": DAK_WIL, "plan": plans["open"]}).json()
    before = district.get("/reports/summary", params={"unit": DAK_WIL, "plan": plans["before"]})
    assert _models(open_) - _models(before.json()) == 1  # the undated one, and only where it fits
    commune, _ = client(live_server, "commune")
    r = commune.post(
        f"/plans/{plans['open']}/reports", json={"unit": DAK_WIL, "comment": "4 mô hình"}
    )
    assert r.status_code == 201, r.text
    assert _models(r.json()["figures"]) == _models(open_)


def test_the_exports_plan_filter_keeps_it(plans: dict[str, Any]) -> None:
    ids = plans["ids"]
    kept = {r["record_id"] for r in csv_export(plans["district"], plan=plans["open"])["model.csv"]}
    assert {ids["dated"], ids["undated"]} <= kept
    kept = {
        r["record_id"] for r in csv_export(plans["district"], plan=plans["before"])["model.csv"]
    }
    assert ids["dated"] in kept and ids["undated"] not in kept


def test_the_web_list_of_a_plan_shows_it(live_server: Any, plans: dict[str, Any]) -> None:
    web = WebSession(live_server, "district")
    ids = plans["ids"]
    page = web.get(f"/web/records?unit={DAK_WIL}&entity=model&plan={plans['open']}").text
    assert ids["undated"] in page and ids["dated"] in page
    page = web.get(f"/web/records?unit={DAK_WIL}&entity=model&plan={plans['before']}").text
    assert ids["undated"] not in page and ids["dated"] in page
