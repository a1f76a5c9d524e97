"""Issue 20 in the downloads: every field of form set v2 is a column of records.csv.zip,
records.xlsx and models.geojson; media.zip files an initiative's dossier and an activity's photo
under their parent, with their index.csv rows; a plan keeps the evidence of its period's
initiatives and activities. Real HTTP, SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from typing import Any

import httpx
import openpyxl
import pytest

from tests.server.helpers import change, client, new_id, push, put_file, record_fields

DAK_WIL = "24643"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + os.urandom(3000)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + os.urandom(3000)


def _v2(entity: str, **fields: Any) -> dict[str, Any]:
    return record_fields(entity, DAK_WIL, **fields) | {"form_version": 2}


@pytest.fixture(scope="module")
def data(live_server: Any) -> dict[str, Any]:
    c, dev = client(live_server, "district")
    pdf, jpeg = put_file(c, PDF, "application/pdf"), put_file(c, JPEG, "image/jpeg")
    area, model, ini, old_ini, act = new_id(), new_id(), new_id(), new_id(), new_id()
    ev_ini, ev_act, ev_old = new_id(), new_id(), new_id()
    changes = [
        change(dev, _v2("residential_area", name="Thôn 3"), record_id=area),
        change(
            dev,
            _v2(
                "model",
                residential_area=area,
                content_area="1",
                status="operating",
                linked_campaigns=["other"],
                other_campaign="Ngày Chủ nhật xanh",
                party_members=4,
                shortcomings="Còn lúng túng",
                location={"lat": 12.69, "lon": 107.88, "accuracy": 5.0, "altitude": None},
            ),
            entity="model",
            record_id=model,
        ),
        change(
            dev,
            _v2("initiative", status="submitted", submitted_date="2022-05-01")
            | {"applied": "yes", "applied_year": 2022},
            entity="initiative",
            record_id=ini,
        ),
        change(
            dev,
            _v2("initiative", status="submitted", submitted_date="2019-05-01"),
            entity="initiative",
            record_id=old_ini,
        ),
        change(
            dev,
            _v2(
                "activity",
                kind="contest",
                title="Hội thi “Bàn tay vàng”",
                date="2022-06-01",
                commended_collectives=1,
                commended_individuals=4,
            ),
            entity="activity",
            record_id=act,
        ),
        change(
            dev,
            _v2("evidence", initiative=ini, sha256=pdf, kind="document", size=len(PDF))
            | {"media_type": "application/pdf", "caption": "Hồ sơ sáng kiến"},
            entity="evidence",
            record_id=ev_ini,
        ),
        change(
            dev,
            _v2("evidence", activity=act, sha256=jpeg, size=len(JPEG)),
            entity="evidence",
            record_id=ev_act,
        ),
        change(
            dev,
            _v2("evidence", initiative=old_ini, sha256=jpeg, size=len(JPEG)),
            entity="evidence",
            record_id=ev_old,
        ),
    ]
    results = push(c, dev, changes)
    assert all(r["status"] == "applied" for r in results), results
    return {"client": c, "ini": ini, "act": act, "ev_ini": ev_ini, "ev_act": ev_act, "old": ev_old}


def _get(c: httpx.Client, name: str, **params: str) -> httpx.Response:
    r = c.get(f"/exports/{name}", params={"unit": DAK_WIL, **params})
    assert r.status_code == 200, r.text
    return r


def _csvs(body: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        return {
            n: list(csv.DictReader(io.StringIO(zf.read(n).decode("utf-8-sig"))))
            for n in zf.namelist()
        }


def test_v2_fields_are_columns_of_the_csv(data: dict[str, Any]) -> None:
    csvs = _csvs(_get(data["client"], "records.csv.zip").content)
    (model,) = csvs["model.csv"]
    assert (model["party_members"], model["other_campaign"]) == ("4", "Ngày Chủ nhật xanh")
    assert model["shortcomings"] == "Còn lúng túng" and model["form_version"] == "2"
    assert model["linked_campaigns"] == "Cuộc vận động, phong trào khác của địa phương"
    ini = next(r for r in csvs["initiative.csv"] if r["record_id"] == data["ini"])
    assert (ini["applied"], ini["applied_year"]) == ("Đã áp dụng", "2022")
    (act,) = csvs["activity.csv"]
    assert act["kind"] == "Hội thi"
    assert (act["commended_collectives"], act["commended_individuals"]) == ("1", "4")
    assert "commendations" in act  # v1's column stays, empty for v2
    ev = {r["record_id"]: r for r in csvs["evidence.csv"]}
    assert ev[data["ev_ini"]]["initiative"] == data["ini"]
    assert ev[data["ev_act"]]["activity"] == data["act"]


def test_v2_fields_are_columns_of_the_xlsx_and_geojson(data: dict[str, Any]) -> None:
    body = _get(data["client"], "records.xlsx").content
    wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    heads = [c for c in next(wb["Mô hình"].iter_rows(values_only=True)) if c]
    for label in ("Trong đó: đảng viên", "Tên cuộc vận động, phong trào khác", "Tồn tại, hạn chế"):
        assert label in heads, label
    act_heads = [c for c in next(wb["Hoạt động"].iter_rows(values_only=True)) if c]
    assert "Số tập thể được khen thưởng" in act_heads
    geo = json.loads(_get(data["client"], "models.geojson").content)
    (feature,) = geo["features"]
    assert feature["properties"]["party_members"] == 4


def test_media_zip_files_evidence_under_an_initiative_or_an_activity(
    data: dict[str, Any],
) -> None:
    body = _get(data["client"], "media.zip").content
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        names = set(zf.namelist())
        dossier = f"initiative/{data['ini']}/{data['ev_ini']}.pdf"
        photo = f"activity/{data['act']}/{data['ev_act']}.jpg"
        assert {dossier, photo} <= names
        assert zf.read(dossier) == PDF
        index = list(csv.DictReader(io.StringIO(zf.read("index.csv").decode("utf-8-sig"))))
    row = next(r for r in index if r["path"] == dossier)
    assert (row["record_id"], row["caption"], row["model_id"], row["unit_name"]) == (
        data["ev_ini"],
        "Hồ sơ sáng kiến",
        "",
        "Xã Đắk Wil",
    )


def test_a_plan_keeps_the_evidence_of_its_initiatives_and_activities(
    data: dict[str, Any],
) -> None:
    c = data["client"]
    plan = c.post(
        "/plans",
        json={
            "number": f"{new_id()[:6]}/KH",
            "title": {"vi": "Năm 2022"},
            "unit": "662",
            "issued_on": "2022-01-01",
            "period": {"from": "2022-01-01", "to": "2022-12-31"},
            "deadline": "2023-01-20",
        },
    ).json()
    csvs = _csvs(_get(c, "records.csv.zip", plan=plan["plan_id"]).content)
    kept = {r["record_id"] for r in csvs["evidence.csv"]}
    assert {data["ev_ini"], data["ev_act"]} <= kept and data["old"] not in kept
