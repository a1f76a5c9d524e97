"""Issue 20's plans, through real HTTP on SQLite and PostgreSQL: a parent plan, the plan's PDF
through the attachments channel, a report's kind, and the member organizations' reports."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from typing import Any

import httpx
import pytest

from tests.server.helpers import client, error_code, put_file

DAK_WIL = "24643"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"
_TODAY = dt.date.today()


def _plan(unit: str = "662", **extra: Any) -> dict[str, Any]:
    return {
        "number": f"{uuid.uuid4().hex[:6]}/KH-MTTQ-BTT",
        "title": {"vi": "Kế hoạch thực hiện phong trào “Đoàn kết sáng tạo”", "en": None},
        "unit": unit,
        "issued_on": "2022-05-16",
        "period": {"from": "2022-05-16", "to": str(_TODAY)},
        "deadline": str(_TODAY + dt.timedelta(days=365)),
        **extra,
    }


@pytest.fixture(scope="module")
def clients(live_server: Any) -> dict[str, httpx.Client]:
    names = ("officer", "commune", "district", "admin", "district_mil")
    return {name: client(live_server, name)[0] for name in names}


def _create(c: httpx.Client, **extra: Any) -> dict[str, Any]:
    r = c.post("/plans", json=_plan(**extra))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_a_plan_carries_out_a_higher_plan(clients: dict[str, httpx.Client]) -> None:
    province = _create(clients["admin"], unit="67")  # "Kế hoạch số 169/KH-MTTQ-BTT"
    district = _create(clients["district"], parent_plan_id=province["plan_id"])
    assert district["parent_plan_id"] == province["plan_id"]
    got = clients["commune"].get(f"/plans/{district['plan_id']}").json()
    assert got["parent_plan_id"] == province["plan_id"] and got["document_sha256"] is None
    # A higher unit's plan cannot carry out a lower unit's.
    r = clients["admin"].post("/plans", json=_plan(unit="67", parent_plan_id=district["plan_id"]))
    assert (r.status_code, error_code(r), r.json()["error"]["details"]) == (
        400,
        "invalid_request",
        {"field": "parent_plan_id"},
    )
    # A plan out of sight (another district's) or unknown does not exist.
    mil = _create(clients["district_mil"], unit="663")
    for ghost in (mil["plan_id"], str(uuid.uuid4())):
        r = clients["district"].post("/plans", json=_plan(parent_plan_id=ghost))
        assert (r.status_code, error_code(r)) == (404, "not_found")
    r = clients["district"].post("/plans", json=_plan(parent_plan_id=5))
    assert (r.status_code, error_code(r)) == (404, "not_found")


def test_the_plan_document_is_a_pdf_seen_with_the_plan(
    clients: dict[str, httpx.Client], live_server: Any
) -> None:
    district = clients["district"]
    pdf = PDF + os.urandom(2000)
    sha = put_file(district, pdf, "application/pdf")
    plan = _create(district, document_sha256=sha)
    assert plan["document_sha256"] == sha
    # Commune staff under the plan read the document; another district's staff do not.
    r = clients["commune"].get(f"/attachments/{sha}")
    assert r.status_code == 200 and r.content == pdf
    assert clients["district_mil"].get(f"/attachments/{sha}").status_code == 404
    # Not a PDF, not uploaded, not a hash, or someone else's upload: refused, nothing created.
    jpeg = put_file(district, JPEG + os.urandom(500), "image/jpeg")
    mil_pdf = put_file(clients["district_mil"], PDF + os.urandom(300), "application/pdf")
    for bad in (jpeg, "e" * 64, "../etc/passwd", mil_pdf):
        r = district.post("/plans", json=_plan(document_sha256=bad))
        assert (r.status_code, r.json()["error"]["details"]) == (
            400,
            {"field": "document_sha256"},
        ), bad


def test_a_report_has_a_kind(clients: dict[str, httpx.Client]) -> None:
    plan = _create(clients["district"])
    pid = plan["plan_id"]
    commune = clients["commune"]
    r = commune.post(f"/plans/{pid}/reports", json={"unit": DAK_WIL, "kind": "interim"})
    assert r.status_code == 201 and r.json()["kind"] == "interim"
    r = commune.post(f"/plans/{pid}/reports", json={"unit": DAK_WIL})
    assert r.status_code == 201 and r.json()["kind"] == "final"  # tổng kết unless said
    r = commune.post(f"/plans/{pid}/reports", json={"unit": DAK_WIL, "kind": "weekly"})
    assert (r.status_code, r.json()["error"]["details"]) == (400, {"field": "kind"})
    versions = commune.get(f"/plans/{pid}/reports/{DAK_WIL}").json()
    assert [v["kind"] for v in versions] == ["final", "interim"]


def test_member_organizations_report_beside_the_communes(
    clients: dict[str, httpx.Client],
) -> None:
    district, commune = clients["district"], clients["commune"]
    late_plan = _create(
        district,
        issued_on="2022-01-10",
        period={"from": "2022-01-01", "to": "2022-11-15"},
        deadline="2022-11-20",
    )
    plan = _create(district)
    for p, status in ((plan, "on_time"), (late_plan, "late")):
        pid = p["plan_id"]
        body = {"unit": "662", "organization": "farmers_union", "kind": "thematic"}
        r = district.post(f"/plans/{pid}/reports", json=body)
        assert r.status_code == 201, r.text
        report = r.json()
        assert (report["organization"], report["status"], report["kind"]) == (
            "farmers_union",
            status,
            "thematic",
        )
        assert report["figures"]["unit"]["code"] == "662"
        orgs = district.get(f"/plans/{pid}/organizations").json()
        assert [o["organization"] for o in orgs] == [
            "farmers_union",
            "womens_union",
            "youth_union",
            "veterans_association",
            "trade_union",
        ]
        assert [o["status"] for o in orgs] == [status] + ["missing"] * 4
        assert orgs[0]["unit"]["code"] == "662" and orgs[0]["versions"] == 1
        # The communes' list holds communes only, as before.
        statuses = district.get(f"/plans/{pid}/reports").json()
        assert all(s["organization"] is None for s in statuses)
        assert all(s["unit"]["level"] == "commune" for s in statuses)
        versions = district.get(
            f"/plans/{pid}/reports/662", params={"organization": "farmers_union"}
        ).json()
        assert [v["report_id"] for v in versions] == [report["report_id"]]
    # A commune's staff see no organization of the district, and cannot report for one.
    pid = plan["plan_id"]
    assert commune.get(f"/plans/{pid}/organizations").json() == []
    r = commune.post(f"/plans/{pid}/reports", json={"unit": "662", "organization": "trade_union"})
    assert (r.status_code, error_code(r)) == (404, "not_found")
    # An organization reports for the plan's own unit, and is one of the Front's members.
    r = district.post(
        f"/plans/{pid}/reports", json={"unit": DAK_WIL, "organization": "youth_union"}
    )
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = district.post(f"/plans/{pid}/reports", json={"unit": "662", "organization": "mttq"})
    assert (r.status_code, r.json()["error"]["details"]) == (400, {"field": "organization"})
    assert clients["officer"].get(f"/plans/{pid}/organizations").json() == []
