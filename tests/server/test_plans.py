"""Plans and commune reports (SYNC.md "Plans and commune reports"), through real HTTP."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from tests.server.helpers import client, error_code

DAK_WIL, EA_TLING, DAK_LAO = "24643", "24640", "24667"
_TODAY = dt.date.today()


def _plan(number: str, unit: str = "662", **extra: Any) -> dict[str, Any]:
    """A plan whose deadline is a year away (reports are on time) unless ``extra`` says."""
    return {
        "number": number,
        "title": {"vi": "Kế hoạch thực hiện phong trào “Đoàn kết sáng tạo”", "en": None},
        "unit": unit,
        "issued_on": "2022-05-16",
        "period": {"from": "2022-05-16", "to": str(_TODAY + dt.timedelta(days=200))},
        "deadline": str(_TODAY + dt.timedelta(days=365)),
        **extra,
    }


def _number() -> str:
    return f"{uuid.uuid4().hex[:6]}/KH-MTTQ-BTT"


@pytest.fixture(scope="module")
def clients(live_server: Any) -> dict[str, httpx.Client]:
    names = ("officer", "commune", "district", "admin", "district_mil")
    return {name: client(live_server, name)[0] for name in names}


@pytest.fixture(scope="module")
def plan(clients: dict[str, httpx.Client]) -> dict[str, Any]:
    r = clients["district"].post("/plans", json=_plan("44/KH-MTTQ-BTT"))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture(scope="module")
def past_plan(clients: dict[str, httpx.Client]) -> dict[str, Any]:
    """Seed 002's plan: reports were due by the end of 20/11/2022."""
    body = _plan(
        "02/KH-MTTQ-BTT",
        issued_on="2022-01-10",
        period={"from": "2022-01-01", "to": "2022-11-15"},
        deadline="2022-11-20",
    )
    r = clients["district"].post("/plans", json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def test_create_and_read_a_plan(clients: dict[str, httpx.Client], plan: dict[str, Any]) -> None:
    assert set(plan) == {
        "plan_id",
        "number",
        "title",
        "unit",
        "issued_on",
        "period",
        "deadline",
        "created_by",
        "created_at",
        "parent_plan_id",  # issue 20
        "document_sha256",
    }
    assert uuid.UUID(plan["plan_id"]) and plan["created_by"] == "district"
    assert plan["number"] == "44/KH-MTTQ-BTT" and plan["unit"] == "662"
    assert plan["period"]["from"] == "2022-05-16" and plan["created_at"].endswith("Z")
    for who in ("district", "commune", "officer", "admin"):
        r = clients[who].get(f"/plans/{plan['plan_id']}")
        assert r.status_code == 200 and r.json() == plan, who


@pytest.mark.parametrize("who", ["officer", "commune"])
def test_only_district_staff_and_admins_issue_plans(
    clients: dict[str, httpx.Client], who: str
) -> None:
    r = clients[who].post("/plans", json=_plan(_number()))
    assert r.status_code == 403 and error_code(r) == "forbidden"


@pytest.mark.parametrize("unit", ["663", "67", "99999"])
def test_a_unit_outside_the_subtree_is_not_found(
    clients: dict[str, httpx.Client], unit: str
) -> None:
    r = clients["district"].post("/plans", json=_plan(_number(), unit=unit))
    assert r.status_code == 404 and error_code(r) == "not_found"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"period": {"from": "2022-12-01", "to": "2022-11-01"}}, "period.from"),
        ({"deadline": "2022-05-01"}, "deadline"),
        ({"number": ""}, "number"),
        ({"number": "   "}, "number"),
        ({"title": {"vi": "", "en": None}}, "title"),
        ({"title": None}, "title"),
        ({"unit": DAK_WIL}, "unit"),
        ({"issued_on": "2022-02-30"}, "issued_on"),
        ({"deadline": "20/11/2022"}, "deadline"),
        ({"period": None}, "period"),
    ],
)
def test_bad_plans_name_the_field(
    clients: dict[str, httpx.Client], change: dict[str, Any], field: str
) -> None:
    r = clients["district"].post("/plans", json=_plan(_number()) | change)
    assert r.status_code == 400 and error_code(r) == "invalid_request", r.text
    assert r.json()["error"]["details"]["field"] == field


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"plan"'])
def test_a_body_that_is_not_a_plan_object(clients: dict[str, httpx.Client], body: bytes) -> None:
    r = clients["district"].post(
        "/plans", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400 and error_code(r) == "invalid_request"


def test_the_same_number_twice_for_one_unit(clients: dict[str, httpx.Client]) -> None:
    number = _number()
    assert clients["district"].post("/plans", json=_plan(number)).status_code == 201
    r = clients["admin"].post("/plans", json=_plan(number))
    assert r.status_code == 409 and error_code(r) == "already_exists"
    # Another unit may use the same number.
    assert clients["admin"].post("/plans", json=_plan(number, unit="67")).status_code == 201


def test_who_sees_which_plans(
    clients: dict[str, httpx.Client], plan: dict[str, Any], past_plan: dict[str, Any]
) -> None:
    province = clients["admin"].post(
        "/plans", json=_plan(_number(), unit="67", issued_on="2023-01-01")
    )
    assert province.status_code == 201
    mil = clients["district_mil"].post("/plans", json=_plan(_number(), unit="663"))
    assert mil.status_code == 201
    ids = {name: [p["plan_id"] for p in c.get("/plans").json()] for name, c in clients.items()}
    p662, p67, p663 = plan["plan_id"], province.json()["plan_id"], mil.json()["plan_id"]
    for name in ("officer", "commune", "district", "admin"):
        assert p662 in ids[name] and p67 in ids[name], name  # own, and an ancestor's
        assert (p663 in ids[name]) == (name == "admin"), name
    assert p67 in ids["district_mil"] and p662 not in ids["district_mil"]
    r = clients["district_mil"].get(f"/plans/{p662}")
    assert r.status_code == 404 and error_code(r) == "not_found"
    listed = clients["district"].get("/plans").json()
    issued = [p["issued_on"] for p in listed]
    assert issued == sorted(issued, reverse=True)
    assert listed.index(next(p for p in listed if p["plan_id"] == p67)) < listed.index(
        next(p for p in listed if p["plan_id"] == past_plan["plan_id"])
    )


@pytest.mark.parametrize(
    "plan_id",
    ["0b9e2c1a-5f3d-4e6b-9a7c-2d4f6e8a0b1c", "44-KH", "x" * 300],
    ids=["uuid", "number", "long"],
)
def test_unknown_plans_are_not_found(clients: dict[str, httpx.Client], plan_id: str) -> None:
    for path in (
        f"/plans/{plan_id}",
        f"/plans/{plan_id}/reports",
        f"/plans/{plan_id}/reports/{DAK_WIL}",
    ):
        r = clients["district"].get(path)
        assert r.status_code == 404 and error_code(r) == "not_found", path
    r = clients["commune"].post(f"/plans/{plan_id}/reports", json={"unit": DAK_WIL, "comment": ""})
    assert r.status_code == 404 and error_code(r) == "not_found"


# ---------------------------------------------------------------------------- commune reports
def test_submit_versions_and_statuses(
    clients: dict[str, httpx.Client], plan: dict[str, Any]
) -> None:
    pid = plan["plan_id"]
    r = clients["commune"].post(
        f"/plans/{pid}/reports", json={"unit": DAK_WIL, "comment": "Đã hoàn thành"}
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert set(first) == {
        "report_id",
        "plan_id",
        "unit",
        "submitted_at",
        "submitted_by",
        "status",
        "kind",  # issue 20
        "organization",
        "comment",
        "figures",
    }
    assert (first["plan_id"], first["unit"], first["status"]) == (pid, DAK_WIL, "on_time")
    assert first["submitted_by"] == "commune" and first["comment"] == "Đã hoàn thành"
    assert first["figures"]["unit"]["code"] == DAK_WIL
    assert first["figures"]["plan"]["plan_id"] == pid and "totals" in first["figures"]
    r = clients["commune"].post(
        f"/plans/{pid}/reports", json={"unit": DAK_WIL, "comment": "Bổ sung"}
    )
    assert r.status_code == 201
    second = r.json()
    versions = clients["commune"].get(f"/plans/{pid}/reports/{DAK_WIL}").json()
    assert [v["report_id"] for v in versions] == [second["report_id"], first["report_id"]]
    assert versions[1] == first  # the earlier version stays readable, figures frozen

    statuses = clients["district"].get(f"/plans/{pid}/reports").json()
    by_unit = {s["unit"]["code"]: s for s in statuses}
    assert len(by_unit) == 8 and all(s["unit"]["level"] == "commune" for s in statuses)
    assert by_unit[DAK_WIL]["status"] == "on_time" and by_unit[DAK_WIL]["versions"] == 2
    assert by_unit[DAK_WIL]["report"]["report_id"] == second["report_id"]
    assert by_unit[EA_TLING] == {
        "unit": {"code": EA_TLING, "name": by_unit[EA_TLING]["unit"]["name"], "level": "commune"},
        "organization": None,  # a commune's own report (issue 20)
        "status": "missing",
        "report": None,
        "versions": 0,
    }
    mine = clients["commune"].get(f"/plans/{pid}/reports").json()
    assert [s["unit"]["code"] for s in mine] == [DAK_WIL]
    # A province plan: the district sees its own communes only.
    province = clients["admin"].post("/plans", json=_plan(_number(), unit="67")).json()
    codes = {
        s["unit"]["code"]
        for s in clients["district"].get(f"/plans/{province['plan_id']}/reports").json()
    }
    assert len(codes) == 8 and DAK_LAO not in codes


def test_a_report_after_the_deadline_is_late(
    clients: dict[str, httpx.Client], past_plan: dict[str, Any]
) -> None:
    pid = past_plan["plan_id"]
    r = clients["district"].post(f"/plans/{pid}/reports", json={"unit": EA_TLING, "comment": ""})
    assert r.status_code == 201 and r.json()["status"] == "late"
    assert r.json()["submitted_by"] == "district"
    entry = next(
        s
        for s in clients["district"].get(f"/plans/{pid}/reports").json()
        if s["unit"]["code"] == EA_TLING
    )
    assert entry["status"] == "late" and entry["versions"] == 1


def test_deadline_ends_at_midnight_vietnam_time() -> None:
    from server.services.plans import deadline_end_ms, report_status

    end = deadline_end_ms("2022-11-20")
    assert end == int(dt.datetime(2022, 11, 20, 17, 0, tzinfo=dt.UTC).timestamp() * 1000)
    assert report_status("2022-11-20", end - 1) == "on_time"
    assert report_status("2022-11-20", end) == "late"


@pytest.mark.parametrize(
    ("who", "unit", "status", "code"),
    [
        ("officer", DAK_WIL, 403, "forbidden"),
        ("commune", EA_TLING, 404, "not_found"),  # another commune
        ("commune", "662", 404, "not_found"),
        ("district", DAK_LAO, 404, "not_found"),  # not under the plan's unit
        ("district", "662", 404, "not_found"),  # not a commune
        ("admin", DAK_LAO, 404, "not_found"),
        ("district_mil", DAK_LAO, 404, "not_found"),  # cannot see the plan
        ("district", 24643, 400, "invalid_request"),
        ("district", None, 400, "invalid_request"),
    ],
)
def test_submit_errors(
    clients: dict[str, httpx.Client],
    plan: dict[str, Any],
    who: str,
    unit: Any,
    status: int,
    code: str,
) -> None:
    r = clients[who].post(f"/plans/{plan['plan_id']}/reports", json={"unit": unit, "comment": "x"})
    assert r.status_code == status and error_code(r) == code, r.text


def test_versions_out_of_scope_are_not_found(
    clients: dict[str, httpx.Client], plan: dict[str, Any]
) -> None:
    pid = plan["plan_id"]
    for who, unit in (("commune", EA_TLING), ("district", DAK_LAO), ("district", "662")):
        r = clients[who].get(f"/plans/{pid}/reports/{unit}")
        assert r.status_code == 404 and error_code(r) == "not_found", (who, unit)
    assert clients["district"].get(f"/plans/{pid}/reports/{EA_TLING}").json() == []


def test_summary_with_a_plan(clients: dict[str, httpx.Client], plan: dict[str, Any]) -> None:
    pid = plan["plan_id"]
    clients["commune"].post(f"/plans/{pid}/reports", json={"unit": DAK_WIL, "comment": ""})
    body = clients["district"].get("/reports/summary", params={"unit": "662", "plan": pid}).json()
    assert body["plan"] == plan
    kids = {c["unit"]["code"]: c for c in body["children"]}
    assert kids[DAK_WIL]["report"]["status"] == "on_time"
    assert kids[DAK_WIL]["report"]["submitted_at"].endswith("Z")
    assert kids[EA_TLING]["report"] == {"status": "missing", "submitted_at": None}
    # A province's children are districts: no report; another district's plan: not found.
    province = clients["admin"].get("/reports/summary", params={"unit": "67", "plan": pid}).json()
    assert all(c["report"] is None for c in province["children"])
    r = clients["district_mil"].get("/reports/summary", params={"unit": "663", "plan": pid})
    assert r.status_code == 404 and error_code(r) == "not_found"


def test_plans_need_a_token(live_server: Any) -> None:
    assert httpx.get(live_server.api + "/plans").status_code == 401
    assert httpx.post(live_server.api + "/plans", json=_plan(_number())).status_code == 401
