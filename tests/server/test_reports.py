"""GET /reports/summary on a small Vietnamese dataset, through real HTTP."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import httpx
import pytest

from tests.server.helpers import area_fields, change, client, error_code, new_id, push

DAK_WIL, EA_TLING = "24643", "24640"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"


def _model(
    unit: str, area: str, content: str, status: str, people: int, **extra: Any
) -> dict[str, Any]:
    return {
        "unit": unit,
        "form_id": "dkst_model",
        "form_version": 1,
        "name": "Mô hình “Đoàn kết sáng tạo”",
        "residential_area": area,
        "content_area": content,
        "status": status,
        "participating_people": people,
        **extra,
    }


def _visit(unit: str, model: str) -> dict[str, Any]:
    return {
        "unit": unit,
        "form_id": "dkst_visit",
        "form_version": 1,
        "model": model,
        "visit_date": "2022-11-10",
        "officer_name": "Nguyễn Thị Lan",
        "location": {"lat": 12.69, "lon": 107.88, "accuracy": 5.0, "altitude": None},
    }


def _evidence(
    unit: str, sha: str, *, visit: str | None = None, model: str | None = None
) -> dict[str, Any]:
    f: dict[str, Any] = {
        "unit": unit,
        "form_id": "dkst_evidence",
        "form_version": 1,
        "kind": "photo",
        "sha256": sha,
        "media_type": "image/jpeg",
        "size": 1000,
    }
    if visit:
        f["visit"] = visit
    if model:
        f["model"] = model
    return f


def _initiative(unit: str, status: str) -> dict[str, Any]:
    return {
        "unit": unit,
        "form_id": "dkst_initiative",
        "form_version": 1,
        "title": "Quy trình ủ phân vi sinh",
        "authors": "Hội Nông dân",
        "field": "agriculture",
        "status": status,
        **({"submitted_date": "2022-10-01"} if status != "proposed" else {}),
    }


@pytest.fixture(scope="module")
def dataset(live_server: Any) -> dict[str, Any]:
    """Đắk Wil: two residential areas, three models, a visit, evidence (one file uploaded);
    Ea T'Ling: one area, one model, an initiative."""
    district, dev = client(live_server, "district")
    a1, a2, a3 = new_id(), new_id(), new_id()
    m1, m2, m3, m4 = new_id(), new_id(), new_id(), new_id()
    v1 = new_id()
    data = JPEG + os.urandom(1000 - len(JPEG))
    sha_up = hashlib.sha256(data).hexdigest()
    sha_missing = hashlib.sha256(b"not uploaded").hexdigest()
    changes = [
        change(dev, area_fields(DAK_WIL, name="Thôn 3"), record_id=a1),
        change(dev, area_fields(DAK_WIL, name="Buôn Trum", kind="buon"), record_id=a2),
        change(dev, area_fields(EA_TLING, name="Tổ dân phố 2", kind="to_dan_pho"), record_id=a3),
        change(dev, _model(DAK_WIL, a1, "2", "operating", 40), entity="model", record_id=m1),
        change(dev, _model(DAK_WIL, a1, "1", "replicated", 10), entity="model", record_id=m2),
        change(dev, _model(DAK_WIL, a2, "2", "building", 5), entity="model", record_id=m3),
        change(dev, _model(EA_TLING, a3, "3", "operating", 100), entity="model", record_id=m4),
        change(dev, _visit(DAK_WIL, m1), entity="visit", record_id=v1),
        change(dev, _evidence(DAK_WIL, sha_up, visit=v1), entity="evidence"),
        change(dev, _evidence(DAK_WIL, sha_missing, model=m3), entity="evidence"),
        change(
            dev,
            _initiative(EA_TLING, "recognized") | {"decision_date": "2022-12-01"},
            entity="initiative",
        ),
        change(dev, _initiative(DAK_WIL, "proposed"), entity="initiative"),
    ]
    results = push(district, dev, changes)
    assert all(r["status"] == "applied" for r in results), results
    r = district.put(
        f"/attachments/{sha_up}",
        content=data,
        headers={
            "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}",
            "Content-Type": "image/jpeg",
        },
    )
    assert r.status_code == 201, r.text
    return {"areas": (a1, a2, a3)}


def test_district_summary_per_commune(live_server: Any, dataset: dict[str, Any]) -> None:
    c, _ = client(live_server, "district")
    body = c.get("/reports/summary", params={"unit": "662"}).json()
    assert body["unit"] == {"code": "662", "name": "Huyện Cư Jút", "level": "district"}
    assert body["plan"] is None
    kids = {ch["unit"]["code"]: ch for ch in body["children"]}
    assert len(kids) == 8 and all(ch["unit"]["level"] == "commune" for ch in kids.values())
    dw, et = kids[DAK_WIL], kids[EA_TLING]
    assert set(dw) == {
        "unit",
        "models",
        "participants",
        "households",
        "contributions",
        "results",
        "activities",
        "visits",
        "evidence",
        "evidence_missing",
        "initiatives",
        "report",
    }
    assert set(body["totals"]) == set(dw) - {"unit", "report"}
    # Other modules share this server: compare what this dataset adds, commune against commune.
    assert dw["models"]["by_content_area"]["1"] >= 1 and dw["models"]["by_status"]["building"] >= 1
    assert (
        et["models"]["by_content_area"]["3"] >= 1
        and et["initiatives"]["by_status"]["recognized"] >= 1
    )
    assert set(dw["models"]["by_content_area"]) == {"1", "2", "3", "4", "5"}
    assert set(dw["models"]["by_status"]) == {"building", "operating", "replicated", "stopped"}
    assert et["participants"] >= 100 and dw["participants"] >= 55
    assert dw["evidence"] >= 2 and dw["evidence_missing"] >= 1
    t = body["totals"]
    for key in ("participants", "visits", "evidence", "evidence_missing"):
        assert t[key] == sum(ch[key] for ch in kids.values())
    for area in "12345":
        assert t["models"]["by_content_area"][area] == sum(
            ch["models"]["by_content_area"][area] for ch in kids.values()
        )


def test_commune_summary_per_residential_area(live_server: Any, dataset: dict[str, Any]) -> None:
    c, _ = client(live_server, "commune")
    body = c.get("/reports/summary", params={"unit": DAK_WIL}).json()
    a1, a2, a3 = dataset["areas"]
    kids = {ch["unit"]["code"]: ch for ch in body["children"]}
    assert a3 not in kids
    assert kids[a1]["unit"] == {"code": a1, "name": "Thôn 3", "level": "residential_area"}
    one, two = kids[a1], kids[a2]
    assert one["models"]["by_content_area"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0}
    assert (
        one["models"]["by_status"]["operating"] == 1
        and one["models"]["by_status"]["replicated"] == 1
    )
    assert one["participants"] == 50 and one["visits"] == 1
    assert (one["evidence"], one["evidence_missing"]) == (1, 0)  # via the visit; its file arrived
    assert (two["evidence"], two["evidence_missing"]) == (1, 1)  # via the model; no file yet
    assert two["models"]["by_status"]["building"] == 1 and two["report"] is None
    # Initiatives belong to the commune: in the totals, not under an area.
    assert body["totals"]["initiatives"]["by_status"]["proposed"] >= 1
    assert all(sum(ch["initiatives"]["by_status"].values()) == 0 for ch in body["children"])


@pytest.mark.parametrize(
    ("user", "unit", "status", "code"),
    [
        ("officer", EA_TLING, 404, "not_found"),  # another commune
        ("officer", "662", 404, "not_found"),  # a parent of the caller's own unit
        ("district", "67", 404, "not_found"),
        ("district", "99999", 404, "not_found"),
        ("district", "", 400, "invalid_request"),
    ],
)
def test_summary_scope_and_errors(
    live_server: Any, user: str, unit: str, status: int, code: str
) -> None:
    c, _ = client(live_server, user)
    r = c.get("/reports/summary", params={"unit": unit})
    assert r.status_code == status and error_code(r) == code


def test_summary_needs_unit_and_known_plan(live_server: Any) -> None:
    c, _ = client(live_server, "district")
    r = c.get("/reports/summary")
    assert r.status_code == 400 and error_code(r) == "invalid_request"
    r = c.get("/reports/summary", params={"unit": "662", "plan": "44/KH-MTTQ-BTT"})
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert httpx.get(live_server.api + "/reports/summary?unit=662").status_code == 401
