"""GET /exports/{name} (SYNC.md "Reports and downloads") on a small Vietnamese dataset, real HTTP.

The dataset (pushed once per module, on SQLite and on PostgreSQL): in Đắk Wil (24643) two
residential areas (and a third, deleted), three models (one with a location, approved by commune
staff; one stopped, without a location; one in content area 3 with a location), a visit, two
evidence records (one file uploaded, one not), an initiative and an activity; in Ea T'Ling
(24640) one residential area and one model with a location.

Users (tests/conftest.py): ``officer``/``commune`` in Đắk Wil, ``officer2`` in Ea T'Ling,
``district`` over Cư Jút (662).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from server.exports.xlsx import SHEET_TITLES
from shared_schema.entities import ENTITIES
from shared_schema.forms import load_default_forms
from tests.server.helpers import change, client, error_code, new_id, push, record_fields

DAK_WIL, EA_TLING, CU_JUT = "24643", "24640", "662"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + os.urandom(40_000)
JPEG_SHA = hashlib.sha256(JPEG).hexdigest()
MISSING_SHA = hashlib.sha256(b"never uploaded " + os.urandom(8)).hexdigest()
CAMERA = "Mô hình “Camera an ninh tự quản”"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMS = load_default_forms()


def _label(entity: str, field: str, value: str, lang: str = "vi") -> str:
    f = FORMS.latest(entity).field(field)
    assert f is not None
    label = f.choice_label(value, lang)
    assert label is not None
    return label


@dataclass
class Data:
    area1: str
    area2: str
    area_deleted: str
    m_camera: str  # Đắk Wil, content area 2, operating, located, approved
    m_stopped: str  # Đắk Wil, content area 5, stopped, no location
    m_road: str  # Đắk Wil, content area 3, building, located
    m_other: str  # Ea T'Ling, located
    visit: str
    ev_photo: str  # names the visit; file uploaded
    ev_missing: str  # names m_stopped; file never uploaded
    initiative: str
    activity: str


@pytest.fixture(scope="module")
def clients(live_server: Any) -> Iterator[dict[str, tuple[httpx.Client, str]]]:
    out = {u: client(live_server, u) for u in ("officer", "officer2", "commune", "district")}
    yield out
    for c, _ in out.values():
        c.close()


def _applied(results: list[dict[str, Any]]) -> None:
    assert all(r["status"] == "applied" for r in results), results


@pytest.fixture(scope="module")
def data(clients: dict[str, tuple[httpx.Client, str]]) -> Data:
    c, dev = clients["officer"]
    d = Data(*(new_id() for _ in range(12)))
    changes = [
        change(
            dev,
            record_fields("residential_area", name="Thôn Đoàn Kết", households=215),
            record_id=d.area1,
        ),
        change(
            dev, record_fields("residential_area", name="Buôn Buôr", kind="buon"), record_id=d.area2
        ),
        change(dev, record_fields("residential_area", name="Thôn cũ"), record_id=d.area_deleted),
        change(
            dev,
            record_fields(
                "model",
                DAK_WIL,
                residential_area=d.area1,
                name=CAMERA,
                content_area="2",
                linked_campaigns=["new_rural_civilized_urban", "cultural_life"],
                participating_households=120,
                productivity_gain_pct=12.5,
                start_date="2021-03-15",
                location={"lat": 12.6312, "lon": 107.7421, "accuracy": 8.5, "altitude": None},
            ),
            record_id=d.m_camera,
            entity="model",
        ),
        change(
            dev,
            record_fields(
                "model",
                DAK_WIL,
                residential_area=d.area2,
                name="Mô hình “Vườn cà phê sạch”",
                content_area="5",
                status="stopped",
                stop_reason="Thiếu kinh phí duy trì",
                description='=HYPERLINK("http://example.invalid")',
            ),
            record_id=d.m_stopped,
            entity="model",
        ),
        change(
            dev,
            record_fields(
                "model",
                DAK_WIL,
                residential_area=d.area1,
                name="Mô hình “Đường hoa nông thôn mới”",
                content_area="3",
                status="building",
                location={"lat": 12.64, "lon": 107.75, "accuracy": None, "altitude": 520.0},
            ),
            record_id=d.m_road,
            entity="model",
        ),
        change(
            dev,
            record_fields(
                "visit",
                model=d.m_camera,
                visit_date="2024-05-02",
                officer_name="Nguyễn Thị Hương",
                location={"lat": 12.6313, "lon": 107.7422, "accuracy": 5.0, "altitude": None},
                score_effectiveness=5,
            ),
            record_id=d.visit,
            entity="visit",
        ),
        change(
            dev,
            record_fields(
                "evidence",
                sha256=JPEG_SHA,
                size=len(JPEG),
                caption="Ảnh buổi khảo sát",
                visit=d.visit,
            ),
            record_id=d.ev_photo,
            entity="evidence",
        ),
        change(
            dev,
            record_fields(
                "evidence",
                sha256=MISSING_SHA,
                size=1234,
                caption="Ảnh buổi khảo sát",
                model=d.m_stopped,
            ),
            record_id=d.ev_missing,
            entity="evidence",
        ),
        change(
            dev,
            record_fields(
                "initiative",
                title="Sáng kiến tưới nhỏ giọt tiết kiệm nước",
                authors="Y Bhin Niê",
                status="proposed",
            ),
            record_id=d.initiative,
            entity="initiative",
        ),
        change(
            dev,
            record_fields(
                "activity",
                kind="talk",
                title="Tọa đàm “Đoàn kết sáng tạo” năm 2024",
                date="2024-04-20",
                attendees=85,
            ),
            record_id=d.activity,
            entity="activity",
        ),
    ]
    _applied(push(c, dev, changes))
    _applied(push(c, dev, [change(dev, op="delete", record_id=d.area_deleted)]))
    r = c.put(
        f"/attachments/{JPEG_SHA}",
        content=JPEG,
        headers={
            "Content-Range": f"bytes 0-{len(JPEG) - 1}/{len(JPEG)}",
            "Content-Type": "image/jpeg",
        },
    )
    assert r.status_code in (200, 201), r.text

    cs, sdev = clients["commune"]
    review = {"review_state": "approved", "review_comment": "Đạt yêu cầu"}
    _applied(push(cs, sdev, [change(sdev, review, record_id=d.m_camera, entity="model")]))

    c2, dev2 = clients["officer2"]
    other_area = new_id()
    _applied(
        push(
            c2,
            dev2,
            [
                change(
                    dev2,
                    record_fields("residential_area", EA_TLING, name="Tổ dân phố 3"),
                    record_id=other_area,
                ),
                change(
                    dev2,
                    record_fields(
                        "model",
                        EA_TLING,
                        residential_area=other_area,
                        name="Mô hình “Tổ tự quản bảo vệ môi trường”",
                        content_area="4",
                        location={"lat": 12.58, "lon": 107.89, "accuracy": 3.0, "altitude": None},
                    ),
                    record_id=d.m_other,
                    entity="model",
                ),
            ],
        )
    )
    return d


# ---------------------------------------------------------------------------- helpers
def get(c: httpx.Client, name: str, **params: str) -> httpx.Response:
    return c.get(f"/exports/{name}", params=params)


class Csvs(dict[str, list[dict[str, str]]]):
    """The CSVs of a zip: name → rows as dicts; ``headers``: name → header row."""

    headers: dict[str, list[str]]


def read_csvs(body: bytes) -> Csvs:
    """Every CSV of a zip; checks the BOM of each."""
    out = Csvs()
    out.headers = {}
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert zf.testzip() is None
        for name in zf.namelist():
            raw = zf.read(name)
            assert raw.startswith(b"\xef\xbb\xbf"), name  # UTF-8 with BOM, for Excel (TRAPS.md)
            text = raw.decode("utf-8-sig")
            out[name] = list(csv.DictReader(io.StringIO(text, newline="")))
            out.headers[name] = next(csv.reader(io.StringIO(text, newline="")))
    return out


def header(csvs: Csvs, name: str) -> list[str]:
    return csvs.headers[name]


def by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {r["record_id"]: r for r in rows}


def csv_export(c: httpx.Client, **params: str) -> Csvs:
    r = get(c, "records.csv.zip", unit=params.pop("unit", DAK_WIL), **params)
    assert r.status_code == 200, r.text
    return read_csvs(r.content)


# ---------------------------------------------------------------------------- records.csv.zip
def test_csv_zip_one_file_per_entity_with_bom_and_headers(
    clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    c, _ = clients["officer"]
    r = get(c, "records.csv.zip", unit=DAK_WIL)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert (
        r.headers["content-disposition"] == f'attachment; filename="dkst-{DAK_WIL}-records.csv.zip"'
    )
    csvs = read_csvs(r.content)
    assert {f"{e}.csv" for e in ENTITIES} | {"columns.csv"} == set(csvs)
    for entity in ENTITIES:
        cols = header(csvs, f"{entity}.csv")
        assert cols[:4] == ["record_id", "rev", "unit", "updated_at"]
        assert cols[-6:] == [
            "unit_name",
            "unit_before_2025",
            "review_state",
            "review_comment",
            "form_id",
            "form_version",
        ]
        assert "deleted" not in cols
        # Every version's fields: the newest's in its order, then those only older ones had.
        form_fields = [f.name for f in FORMS.latest(entity).fields if f.name != "unit"]
        for form in reversed(FORMS.for_entity(entity)):
            form_fields += [f.name for f in form.fields if f.name not in [*form_fields, "unit"]]
        geo = {f.name for f in FORMS.latest(entity).fields if f.type == "geopoint"}
        expected = [
            f"{name}_{part}" if name in geo else name
            for name in form_fields
            for part in (("lat", "lon", "accuracy", "altitude") if name in geo else ("",))
        ]
        assert cols[4:-6] == expected, entity
    model_cols = header(csvs, "model.csv")
    assert [x for x in model_cols if x.startswith("location")] == [
        "location_lat",
        "location_lon",
        "location_accuracy",
        "location_altitude",
    ]
    # Scope: only Đắk Wil's records; the deleted residential area is left out.
    models = by_id(csvs["model.csv"])
    assert set(models) == {data.m_camera, data.m_stopped, data.m_road}
    assert set(by_id(csvs["residential_area.csv"])) == {data.area1, data.area2}
    for entity in ENTITIES:
        assert {row["unit"] for row in csvs[f"{entity}.csv"]} == {DAK_WIL}, entity
    assert len(csvs["visit.csv"]) == 1 and len(csvs["evidence.csv"]) == 2
    assert len(csvs["initiative.csv"]) == 1 and len(csvs["activity.csv"]) == 1
    # columns.csv: the labels of every column
    dictionary = {(r["entity"], r["column"]): r["label"] for r in csvs["columns.csv"]}
    assert dictionary[("model", "name")] == "Tên mô hình"
    assert dictionary[("model", "location_lat")].startswith("Vị trí")


def test_csv_values_labels_in_vietnamese_nfc(
    clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    c, _ = clients["officer"]
    csvs = csv_export(c)
    cam = by_id(csvs["model.csv"])[data.m_camera]
    assert cam["name"] == "Mô hình “Camera an ninh tự quản”"
    assert cam["content_area"] == _label("model", "content_area", "2")
    assert cam["status"] == _label("model", "status", "operating")
    assert cam["linked_campaigns"] == "; ".join(
        _label("model", "linked_campaigns", v)
        for v in ("new_rural_civilized_urban", "cultural_life")
    )
    assert cam["residential_area"] == data.area1  # joined by record_id
    assert (cam["location_lat"], cam["location_lon"]) == ("12.6312", "107.7421")
    assert (cam["location_accuracy"], cam["location_altitude"]) == ("8.5", "")
    assert cam["participating_households"] == "120"
    assert cam["productivity_gain_pct"] == "12.5"
    assert cam["start_date"] == "2021-03-15"
    assert cam["unit_name"] and "Đắk Wil" in cam["unit_name"]
    assert cam["review_state"] == "Đã duyệt" and cam["review_comment"] == "Đạt yêu cầu"
    assert (cam["form_id"], cam["form_version"]) == ("dkst_model", "1")
    assert int(cam["rev"]) >= 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", cam["updated_at"])
    stopped = by_id(csvs["model.csv"])[data.m_stopped]
    assert stopped["review_state"] == "Chờ duyệt"  # no review_state yet: pending
    assert stopped["stop_reason"] == "Thiếu kinh phí duy trì"
    assert stopped["description"].startswith("'=HYPERLINK")  # never a formula in Excel
    assert stopped["location_lat"] == ""
    visit = csvs["visit.csv"][0]
    assert visit["model"] == data.m_camera and visit["officer_name"] == "Nguyễn Thị Hương"
    for rows in csvs.values():
        for row in rows:
            for value in row.values():
                assert unicodedata.is_normalized("NFC", value), value


def test_csv_labels_in_english(clients: dict[str, tuple[httpx.Client, str]], data: Data) -> None:
    c, _ = clients["officer"]
    csvs = csv_export(c, lang="en")
    cam = by_id(csvs["model.csv"])[data.m_camera]
    assert cam["content_area"] == _label("model", "content_area", "2", "en")
    assert cam["status"] == _label("model", "status", "operating", "en")
    assert cam["review_state"] == "Approved"
    assert cam["name"] == "Mô hình “Camera an ninh tự quản”"  # answers are not translated
    assert header(csvs, "model.csv") == header(csv_export(c), "model.csv")  # names, not labels
    dictionary = {(r["entity"], r["column"]): r["label"] for r in csvs["columns.csv"]}
    assert dictionary[("model", "name")] == "Name of the model"


def test_csv_filters(clients: dict[str, tuple[httpx.Client, str]], data: Data) -> None:
    c, _ = clients["officer"]
    # content_area picks models; their visits and evidence follow; other entities are untouched.
    csvs = csv_export(c, content_area="2")
    assert set(by_id(csvs["model.csv"])) == {data.m_camera}
    assert set(by_id(csvs["visit.csv"])) == {data.visit}
    assert set(by_id(csvs["evidence.csv"])) == {data.ev_photo}
    assert len(csvs["residential_area.csv"]) == 2 and len(csvs["initiative.csv"]) == 1

    csvs = csv_export(c, status="stopped")
    assert set(by_id(csvs["model.csv"])) == {data.m_stopped}
    assert csvs["visit.csv"] == [] and set(by_id(csvs["evidence.csv"])) == {data.ev_missing}

    csvs = csv_export(c, content_area="2,3")
    assert set(by_id(csvs["model.csv"])) == {data.m_camera, data.m_road}

    csvs = csv_export(c, review_state="approved")
    assert set(by_id(csvs["model.csv"])) == {data.m_camera}
    assert all(csvs[f"{e}.csv"] == [] for e in ENTITIES if e != "model")
    csvs = csv_export(c, review_state="pending")
    assert set(by_id(csvs["model.csv"])) == {data.m_stopped, data.m_road}

    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert len(csv_export(c, **{"from": today, "to": today})["model.csv"]) == 3
    assert csv_export(c, **{"from": "2099-01-01"})["model.csv"] == []
    assert csv_export(c, to="2000-01-01")["model.csv"] == []


def test_csv_include_deleted_adds_column_and_tombstones(
    clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    c, _ = clients["officer"]
    csvs = csv_export(c, include_deleted="true")
    for entity in ENTITIES:
        assert header(csvs, f"{entity}.csv")[-1] == "deleted"
    areas = by_id(csvs["residential_area.csv"])
    assert set(areas) == {data.area1, data.area2, data.area_deleted}
    assert areas[data.area_deleted]["deleted"] == "true"
    assert areas[data.area_deleted]["name"] == "Thôn cũ"  # the tombstone keeps its last fields
    assert areas[data.area1]["deleted"] == "false"


# ---------------------------------------------------------------------------- records.xlsx
def _xlsx_parts(body: bytes) -> tuple[list[str], str]:
    """Sheet names (workbook order) and the text of every worksheet XML (inline strings)."""
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        sheets = re.findall(r'<sheet name="([^"]+)"', workbook)
        text = "".join(
            zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/sheet")
        )
        if "xl/sharedStrings.xml" in zf.namelist():
            text += zf.read("xl/sharedStrings.xml").decode()
    return sheets, text


def test_xlsx_sheets_and_cells(clients: dict[str, tuple[httpx.Client, str]], data: Data) -> None:
    c, _ = clients["officer"]
    r = get(c, "records.xlsx", unit=DAK_WIL)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    assert r.headers["content-disposition"] == f'attachment; filename="dkst-{DAK_WIL}-records.xlsx"'
    sheets, text = _xlsx_parts(r.content)
    # For people by default (headers=labels): sheets named in Vietnamese, nothing left in English.
    assert sheets == ["Tổng hợp", *(SHEET_TITLES[e][0] for e in ENTITIES)]
    assert SHEET_TITLES["activity"][0] == "Hoạt động" and set(SHEET_TITLES) == set(ENTITIES)
    assert "Mô hình “Camera an ninh tự quản”" in text
    assert "Tên mô hình" in text  # header labels in Vietnamese
    assert _label("model", "status", "operating") in text
    assert data.m_camera in text and data.area1 in text
    assert "=HYPERLINK" in text and "<f>" not in text  # a text, never a formula
    assert "Đắk Wil" in text  # the summary names the commune

    r = get(c, "records.xlsx", unit=DAK_WIL, lang="en", status="stopped")
    assert r.status_code == 200
    sheets, text = _xlsx_parts(r.content)
    assert sheets == ["Summary", *(SHEET_TITLES[e][1] for e in ENTITIES)]
    assert "Name of the model" in text and "Mô hình “Vườn cà phê sạch”" in text
    assert "Camera an ninh" not in text
    assert f"{_SUMMARY_STATUS_EN}: {_label('model', 'status', 'stopped', 'en')}" in text

    # headers=keys: field names and entity keys, for tools.
    r = get(c, "records.xlsx", unit=DAK_WIL, headers="keys")
    assert r.status_code == 200
    sheets, text = _xlsx_parts(r.content)
    assert sheets == ["summary", *ENTITIES]
    assert "Tên mô hình" not in text and ">content_area<" in text


_SUMMARY_STATUS_EN = "Model status"


def _sheet_rows(body: bytes, sheet: str) -> list[dict[str, Any]]:
    """One sheet of an xlsx, read by openpyxl: its rows as dicts keyed by the header row."""
    wb = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_xlsx_names_a_referenced_area_or_model_beside_its_id(
    clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    c, _ = clients["district"]
    forms = load_default_forms()
    r = get(c, "records.xlsx", unit=CU_JUT)
    assert r.status_code == 200, r.text
    title = {e: SHEET_TITLES[e][0] for e in ENTITIES}
    field = {(e, f.name): f.label.vi for e in ENTITIES for f in forms.latest(e).fields}
    areas = {
        row["Mã bản ghi"]: row[field[("residential_area", "name")]]
        for row in _sheet_rows(r.content, title["residential_area"])
    }
    models = _sheet_rows(r.content, title["model"])
    ra_label = field[("model", "residential_area")]
    named = [m for m in models if m[ra_label]]
    assert named, "a model names its residential area"
    for m in named:
        assert m[f"{ra_label} – tên"] == areas[m[ra_label]]
    model_names = {m["Mã bản ghi"]: m[field[("model", "name")]] for m in models}
    visits = _sheet_rows(r.content, title["visit"])
    model_label = field[("visit", "model")]
    assert visits
    for v in visits:
        assert v[f"{model_label} – tên"] == model_names[v[model_label]]
    # A visit's photo names no model itself: its sheet names the visit's (issue 18: empty before).
    evidence = {e["Mã bản ghi"]: e for e in _sheet_rows(r.content, title["evidence"])}
    ev_model = field[("evidence", "model")]
    assert evidence[data.ev_photo][ev_model] in (None, "")
    assert evidence[data.ev_photo][f"{ev_model} – tên"] == CAMERA


def test_csv_headers_labels_and_a_bad_headers_value(
    clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    c, _ = clients["officer"]
    forms = load_default_forms()
    r = get(c, "records.csv.zip", unit=DAK_WIL, headers="labels")
    assert r.status_code == 200, r.text
    csvs = read_csvs(r.content)
    model = forms.latest("model")
    cols = header(csvs, "model.csv")
    assert cols[:4] == ["Mã bản ghi", "Số lần sửa", "Mã xã, phường, thị trấn", "Cập nhật lúc (UTC)"]
    assert model.field("name").label.vi in cols
    ra = model.field("residential_area").label.vi
    assert cols[cols.index(ra) + 1] == f"{ra} – tên"
    for value in ("names", "LABELS", "1"):
        r = get(c, "records.csv.zip", unit=DAK_WIL, headers=value)
        assert r.status_code == 400, value
        assert error_code(r) == "invalid_request"
        assert r.json()["error"]["details"]["parameter"] == "headers"


def test_xlsx_summary_counts_per_commune(
    clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    c, _ = clients["district"]
    r = get(c, "records.xlsx", unit=CU_JUT)
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        summary = zf.read("xl/worksheets/sheet1.xml").decode()
    rows = re.findall(r"<row [^>]*>(.*?)</row>", summary)
    cells = [re.findall(r"<(?:t|v)[^>]*>([^<]*)</(?:t|v)>", row) for row in rows]
    by_code = {cs[0]: cs for cs in cells if cs and cs[0] in (DAK_WIL, EA_TLING)}
    # code, name, then residential_area, model, visit, evidence, initiative, activity
    assert by_code[DAK_WIL][2:] == ["2", "3", "1", "2", "1", "1"]
    assert by_code[EA_TLING][2:] == ["1", "1", "0", "0", "0", "0"]


# ---------------------------------------------------------------------------- models.geojson
def test_geojson_models_with_a_location(
    clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    c, _ = clients["officer"]
    r = get(c, "models.geojson", unit=DAK_WIL)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geo+json"
    assert (
        r.headers["content-disposition"] == f'attachment; filename="dkst-{DAK_WIL}-models.geojson"'
    )
    doc = r.json()
    assert doc["type"] == "FeatureCollection"
    features = {f["id"]: f for f in doc["features"]}
    assert set(features) == {data.m_camera, data.m_road}  # the stopped one has no location
    cam = features[data.m_camera]
    assert cam["type"] == "Feature"
    assert cam["geometry"] == {"type": "Point", "coordinates": [107.7421, 12.6312]}
    props = cam["properties"]
    assert props["record_id"] == data.m_camera and props["unit"] == DAK_WIL
    assert props["name"] == "Mô hình “Camera an ninh tự quản”"
    assert props["content_area"] == _label("model", "content_area", "2")
    assert props["participating_households"] == 120 and props["location_accuracy"] == 8.5
    assert props["residential_area"] == data.area1
    assert "location_lat" not in props
    assert features[data.m_road]["properties"]["location_altitude"] == 520.0

    en = get(c, "models.geojson", unit=DAK_WIL, lang="en", content_area="3").json()
    assert [f["id"] for f in en["features"]] == [data.m_road]
    assert en["features"][0]["properties"]["status"] == _label("model", "status", "building", "en")


def test_geojson_district_sees_both_communes(
    clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    c, _ = clients["district"]
    doc = get(c, "models.geojson", unit=CU_JUT).json()
    assert {f["id"] for f in doc["features"]} >= {data.m_camera, data.m_road, data.m_other}
    assert {f["properties"]["unit"] for f in doc["features"]} == {DAK_WIL, EA_TLING}
    csvs = csv_export(c, unit=CU_JUT)
    assert {r["unit"] for r in csvs["model.csv"]} == {DAK_WIL, EA_TLING}


# ---------------------------------------------------------------------------- media.zip
def test_media_zip_paths_bytes_and_missing(
    clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    c, _ = clients["commune"]
    r = get(c, "media.zip", unit=DAK_WIL)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == f'attachment; filename="dkst-{DAK_WIL}-media.zip"'
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        photo = f"visit/{data.visit}/{data.ev_photo}.jpg"
        assert sorted(names) == sorted([photo, "index.csv", "missing.csv"])
        assert hashlib.sha256(zf.read(photo)).hexdigest() == JPEG_SHA
        assert zf.getinfo(photo).compress_type == zipfile.ZIP_STORED
        assert zf.getinfo(photo).external_attr >> 16 == 0o644
        missing_raw = zf.read("missing.csv")
        index_raw = zf.read("index.csv")
    # index.csv (issue 18): what each file is, so "the photo of model X" is one look-up; a visit's
    # photo is named with the visit's model.
    assert index_raw.startswith(b"\xef\xbb\xbf")
    index = list(csv.DictReader(io.StringIO(index_raw.decode("utf-8-sig"))))
    assert index == [
        {
            "path": photo,
            "record_id": data.ev_photo,
            "sha256": JPEG_SHA,
            "caption": index[0]["caption"],
            "model_id": data.m_camera,
            "model_name": CAMERA,
            "visit_date": "2024-05-02",
            "residential_area": "Thôn Đoàn Kết",
            "unit": DAK_WIL,
            "unit_name": "Xã Đắk Wil",
        }
    ]
    assert index[0]["caption"]
    assert missing_raw.startswith(b"\xef\xbb\xbf")
    missing = list(csv.DictReader(io.StringIO(missing_raw.decode("utf-8-sig"))))
    assert [
        (m["record_id"], m["parent_entity"], m["parent_record_id"], m["sha256"], m["reason"])
        for m in missing
    ] == [(data.ev_missing, "model", data.m_stopped, MISSING_SHA, "not_uploaded")]

    # Filters reach the evidence through its model: content area 5 is the stopped model only.
    r = get(c, "media.zip", unit=DAK_WIL, content_area="5")
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert zf.namelist() == ["index.csv", "missing.csv"]


def test_media_zip_out_of_scope_sees_nothing(
    clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    c, _ = clients["officer2"]
    r = get(c, "media.zip", unit=EA_TLING)
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert zf.namelist() == ["index.csv", "missing.csv"]
        assert zf.read("index.csv").decode("utf-8-sig").strip().count("\n") == 0
        assert zf.read("missing.csv").decode("utf-8-sig").strip().count("\n") == 0


# ---------------------------------------------------------------------------- scope and errors
def test_scope_and_errors(
    live_server: Any, clients: dict[str, tuple[httpx.Client, str]], data: Data
) -> None:
    officer2, _ = clients["officer2"]
    officer, _ = clients["officer"]
    district, _ = clients["district"]
    for name in ("records.csv.zip", "records.xlsx", "models.geojson", "media.zip"):
        r = get(officer2, name, unit=DAK_WIL)
        assert (r.status_code, error_code(r)) == (404, "not_found")
        r = get(officer, name, unit=CU_JUT)  # a parent of the caller's unit
        assert (r.status_code, error_code(r)) == (404, "not_found")
        r = httpx.get(f"{live_server.api}/exports/{name}", params={"unit": DAK_WIL})
        assert (r.status_code, error_code(r)) == (401, "unauthorized")
        r = district.get(f"/exports/{name}")
        assert (r.status_code, error_code(r)) == (400, "invalid_request")
    assert get(district, "records.csv.zip", unit=CU_JUT).status_code == 200
    r = get(district, "models.geojson", unit="67")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = get(officer, "records.pdf", unit=DAK_WIL)
    assert (r.status_code, error_code(r)) == (404, "not_found")
    r = get(officer, "records.csv.zip", unit=DAK_WIL, plan="44-KH-MTTQ")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    for bad in (
        {"content_area": "7"},
        {"content_area": "x"},
        {"status": "flying"},
        {"review_state": "maybe"},
        {"lang": "fr"},
        {"include_deleted": "maybe"},
        {"from": "2024-02-30"},
        {"to": "01/05/2024"},
        {"from": "2024-06-01", "to": "2024-05-01"},
        {"unit": ""},
    ):
        params = {"unit": DAK_WIL, **bad}
        r = get(officer, "records.csv.zip", **params)
        assert (r.status_code, error_code(r)) == (400, "invalid_request"), bad


def test_openapi_documents_the_export(live_server: Any) -> None:
    doc = httpx.get(live_server.api + "/openapi.json").json()
    op = doc["paths"]["/api/v1/exports/{name}"]["get"]
    assert {"200", "400", "401", "404", "503"} <= set(op["responses"])
    assert {"application/zip", XLSX, "application/geo+json"} <= set(
        op["responses"]["200"]["content"]
    )
    params = {p["name"] for p in op["parameters"]}
    assert params >= {"name", "unit", "content_area", "status", "review_state", "from", "to"}
    assert params >= {"plan", "lang", "include_deleted"}


# ---------------------------------------------------------------------------- memory
def _rss_kib(pid: int, key: str) -> int:
    """``VmRSS`` (now) or ``VmHWM`` (peak since start or since the last reset) of a process."""
    status = Path(f"/proc/{pid}/status").read_text()
    m = re.search(rf"{key}:\s+(\d+) kB", status)
    assert m is not None
    return int(m.group(1))


@pytest.mark.slow
def test_export_memory_stays_flat(tmp_path_factory: pytest.TempPathFactory) -> None:
    """5,000 models with 4 KB descriptions (~20 MB of JSON): exporting them must not load them all."""
    from tests.conftest import PASSWORD
    from tests.support.server import add_user, running_server, start_server, stop_server

    with running_server(tmp_path_factory.mktemp("mem")) as srv:
        add_user(srv, "memofficer", "district_staff", CU_JUT, PASSWORD)
        c, dev = client(srv, "memofficer")
        with c:
            area = new_id()
            _applied(push(c, dev, [change(dev, record_fields("residential_area"), record_id=area)]))
            text = "Mô tả cách làm và kết quả của mô hình. " * 100  # ~4 KB
            for _ in range(5):
                batch = [
                    change(
                        dev,
                        record_fields(
                            "model",
                            DAK_WIL,
                            residential_area=area,
                            description=text[:4000],
                            location={"lat": 12.6, "lon": 107.7, "accuracy": 5.0, "altitude": None},
                        ),
                        entity="model",
                    )
                    for _ in range(1000)
                ]
                _applied(push(c, dev, batch))
            # A fresh server process: the pushes above grew the heap, which would hide the exports'.
            stop_server(srv)
            port = int(srv.url.rsplit(":", 1)[1])
            srv.proc = start_server(srv.data_dir, srv.database_url, srv.env, port).proc
            pid = srv.proc.pid
            # An export of a commune with no records first, so the export code and forms are loaded.
            for name in ("records.csv.zip", "records.xlsx", "models.geojson", "media.zip"):
                assert get(c, name, unit=EA_TLING).status_code == 200
            before = _rss_kib(pid, "VmHWM")
            peaks, sizes = {}, {}
            started = time.monotonic()
            for name in ("records.csv.zip", "records.xlsx", "models.geojson", "media.zip"):
                with c.stream("GET", f"/exports/{name}", params={"unit": DAK_WIL}) as r:
                    assert r.status_code == 200
                    sizes[name] = sum(len(b) for b in r.iter_bytes())
                peaks[name] = _rss_kib(pid, "VmHWM")
            elapsed = time.monotonic() - started
    print(
        f"\nexports of 5,000 models (~20 MB of JSON): RSS before {before} KiB,"
        f" peak after each {peaks}, sizes {sizes}, {elapsed:.1f} s"
    )
    # Holding the 5,000 records as Python objects would add well over 40 MiB.
    assert max(peaks.values()) - before < 25 * 1024
