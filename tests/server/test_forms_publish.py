"""Forms a province publishes itself as XLSForms (issue 20, part B), through real HTTP on SQLite
and PostgreSQL: who may publish, scope, the ETag, immutability, the diff, the round trip of the
shipped set, and a hand-written form filled, synced and exported."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from shared_schema.forms import load_default_forms, parse_form
from tests.server.helpers import change, client, error_code, push
from tests.support.xlsforms import CONTEST_ID, contest_form, workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CU_JUT, DAK_MIL, DAK_WIL = "662", "663", "24643"


def _post(c: httpx.Client, data: bytes, unit: str = CU_JUT, **params: str) -> httpx.Response:
    return c.post(
        "/forms", params={"unit": unit, **params}, content=data, headers={"Content-Type": XLSX}
    )


DEVICES: dict[str, str] = {}


@pytest.fixture(scope="module")
def clients(live_server: Any) -> dict[str, httpx.Client]:
    out = {}
    for name in ("officer", "officer_mil", "district", "admin"):
        out[name], DEVICES[name] = client(live_server, name)
    return out


@pytest.fixture(scope="module")
def published(clients: dict[str, httpx.Client]) -> dict[str, Any]:
    r = _post(clients["admin"], contest_form())
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_publish_answers_the_version_and_its_difference(published: dict[str, Any]) -> None:
    assert published["status"] == "published"
    assert (published["form_id"], published["version"], published["unit"]) == (
        CONTEST_ID,
        10,
        CU_JUT,
    )
    # compared with what the district's devices filled before: the shipped activity form
    assert published["previous"] == {"form_id": "dkst_activity", "version": 2}  # form set v2
    diff = published["diff"]
    assert {"contestants", "prizes", "winner", "budget_million"} <= set(diff["added"])
    assert "attendees" in diff["removed"]
    assert {c["name"] for c in diff["changed"]} >= {"kind", "title"}


def test_the_published_version_is_the_workbook(
    clients: dict[str, httpx.Client], published: dict[str, Any]
) -> None:
    r = clients["officer"].get(f"/forms/{CONTEST_ID}/10")
    assert r.status_code == 200, r.text
    form = parse_form(r.json())
    assert form.title.vi == "Hội thi “Tay nghề giỏi”, “Bàn tay vàng”"  # typographic quotes kept
    assert form.field_names[0] == "unit"  # added: XLSForm has no unit type
    prizes = form.field("prizes")
    assert prizes is not None and prizes.type == "select_multiple"
    assert prizes.relevant == "contestants > 0"
    assert next(c.label.en for c in prizes.choices or ()) == "First prize"
    winner = form.field("winner")
    assert winner is not None and winner.relevant == "selected(prizes, 'first')"
    contestants = form.field("contestants")
    assert contestants is not None and contestants.required
    assert contestants.constraints is not None
    assert (contestants.constraints.min, contestants.constraints.max) == (1, 5000)
    date = form.field("date")
    assert date is not None and date.constraints is not None
    assert date.constraints.min == "2017-01-01"
    title = form.field("title")
    assert title is not None and title.hint is not None
    assert title.hint.vi == "Ví dụ: Hội thi “Bàn tay vàng”"


def test_scope_the_district_devices_get_it_others_do_not(
    clients: dict[str, httpx.Client], published: dict[str, Any]
) -> None:
    mine = {(f["form_id"], f["version"]) for f in clients["officer"].get("/forms").json()}
    theirs = {(f["form_id"], f["version"]) for f in clients["officer_mil"].get("/forms").json()}
    assert (CONTEST_ID, 10) in mine
    assert (CONTEST_ID, 10) not in theirs
    assert clients["officer_mil"].get(f"/forms/{CONTEST_ID}/10").status_code == 404
    assert clients["officer_mil"].get(f"/forms/{CONTEST_ID}/10/xlsx").status_code == 404


def test_the_etag_changes_when_a_version_is_published(clients: dict[str, httpx.Client]) -> None:
    c = clients["officer"]
    before = c.get("/forms").headers["ETag"]
    assert c.get("/forms", headers={"If-None-Match": before}).status_code == 304
    r = _post(clients["admin"], contest_form(version=20), unit="67")
    assert r.status_code == 201, r.text
    after = c.get("/forms", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["ETag"] != before
    assert (CONTEST_ID, 20) in {(f["form_id"], f["version"]) for f in after.json()}


def test_only_administrators_publish(clients: dict[str, httpx.Client]) -> None:
    for name in ("officer", "district"):
        r = _post(clients[name], contest_form(version=30))
        assert r.status_code == 403 and error_code(r) == "forbidden"
    assert _post(clients["admin"], contest_form(version=30), unit=DAK_WIL).status_code == 400
    assert _post(clients["admin"], contest_form(version=30), unit="01").status_code == 404


def test_versions_are_immutable(
    clients: dict[str, httpx.Client], published: dict[str, Any]
) -> None:
    again = _post(clients["admin"], contest_form())
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    other = contest_form(extra_rows=[["text", "more", "Thêm", "More", "", "", "", ""]])
    r = _post(clients["admin"], other)
    assert r.status_code == 409 and error_code(r) == "already_exists"
    lower = _post(clients["admin"], contest_form(version=2))
    assert lower.status_code == 422 and error_code(lower) == "invalid_form"
    problem = lower.json()["error"]["details"]["problems"][0]
    assert (problem["sheet"], problem["row"], problem["column"]) == ("settings", 2, "version")


def test_the_shipped_sets_ids_are_not_for_publishing(clients: dict[str, httpx.Client]) -> None:
    """A later release may add versions of the shipped forms: a province's own id never meets one."""
    form = load_default_forms().latest("activity")
    r = clients["admin"].get(f"/forms/{form.form_id}/{form.version}/xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    wb["settings"]["B2"] = "50"  # the shipped form, as a new version of the shipped id
    out = io.BytesIO()
    wb.save(out)
    refused = _post(clients["admin"], out.getvalue())
    assert refused.status_code == 422, refused.text
    problem = refused.json()["error"]["details"]["problems"][0]
    assert (problem["row"], problem["column"]) == (2, "form_id")
    assert "dkst_" in problem["message"]


def test_a_dry_run_previews_without_publishing(clients: dict[str, httpx.Client]) -> None:
    r = _post(clients["admin"], contest_form(version=40), dry_run="true")
    assert r.status_code == 200 and r.json()["status"] == "preview"
    assert clients["admin"].get(f"/forms/{CONTEST_ID}/40").status_code == 404


def test_what_cannot_be_mapped_is_refused_row_by_row_in_vietnamese(
    clients: dict[str, httpx.Client],
) -> None:
    head = ["type", "name", "label::Vietnamese (vi)", "required", "relevant", "constraint"]
    data = workbook(
        [
            head,
            ["text", "a", "Câu A", "", "", ""],
            ["begin_group", "g", "Nhóm", "", "", ""],
            ["end_group", "", "", "", "", ""],
            ["integer", "b", "Câu B", "", "${a} + 1 > 2", ""],
            ["integer", "c", "Câu C", "", "", ". != 3"],
            ["text", "e", "Câu E", "${a} = 'x'", "", ""],
        ],
        settings={"form_id": "thu", "version": "50", "entity": "activity"},
    )
    r = _post(clients["admin"], data)
    assert r.status_code == 422, r.text
    problems = r.json()["error"]["details"]["problems"]
    where = {(p["row"], p["column"]) for p in problems}
    assert {(3, "type"), (5, "relevant"), (6, "constraint"), (7, "required")} <= where
    assert all(p["message"] and p["sheet"] == "survey" for p in problems)
    assert any("nhóm" in p["message"] for p in problems)  # Vietnamese by default
    en = clients["admin"].post(
        "/forms",
        params={"unit": CU_JUT},
        content=data,
        headers={"Content-Type": XLSX, "Accept-Language": "en"},
    )
    assert any("group" in p["message"] for p in en.json()["error"]["details"]["problems"])


def test_the_shipped_set_round_trips_through_xlsform(clients: dict[str, httpx.Client]) -> None:
    for form in load_default_forms():
        r = clients["admin"].get(f"/forms/{form.form_id}/{form.version}/xlsx")
        assert r.status_code == 200 and r.headers["content-type"] == XLSX
        assert f"{form.form_id}.v{form.version}.xlsx" in r.headers["content-disposition"]
        load_workbook(io.BytesIO(r.content))  # a workbook Excel opens
        back = _post(clients["admin"], r.content, unit="67", dry_run="true")
        assert back.status_code == 200, back.text
        assert back.json()["status"] == "unchanged"
        assert back.json()["sha256"] == form.sha256  # the same definition, byte for byte


def test_a_hand_written_form_is_filled_synced_and_exported(
    clients: dict[str, httpx.Client], published: dict[str, Any]
) -> None:
    officer, device = clients["officer"], DEVICES["officer"]
    fields = {
        "unit": DAK_WIL,
        "form_id": CONTEST_ID,
        "form_version": 10,
        "kind": "conference",
        "title": "Hội thi “Bàn tay vàng” xã Đắk Wil",
        "date": "2024-05-19",
        "contestants": 42,
        "prizes": ["first", "encouragement"],
        "winner": "Nguyễn Thị Hoa",
        "budget_million": 12.5,
    }
    results = push(officer, device, [change(device, fields, entity="activity")])
    assert results[0]["status"] == "applied", results
    # another district's officer may not name the version: it is not theirs
    mil, mil_device = clients["officer_mil"], DEVICES["officer_mil"]
    theirs = push(
        mil, mil_device, [change(mil_device, {**fields, "unit": "24667"}, entity="activity")]
    )
    assert theirs[0]["status"] == "rejected"
    assert theirs[0]["errors"][0]["code"] == "unknown_form"
    r = clients["district"].get("/exports/records.xlsx", params={"unit": CU_JUT})
    assert r.status_code == 200, r.text
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    sheet = next(
        ws for name, ws in zip(wb.sheetnames, wb.worksheets, strict=True) if "Hoạt động" in name
    )
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert "Người đạt giải nhất" in header and "Số người dự thi" in header
    row = next(r for r in rows[1:] if "Nguyễn Thị Hoa" in r)
    assert row[header.index("Số người dự thi")] == 42
