"""Validation of change fields against form versions: types, required/relevant, never raising."""

from __future__ import annotations

import math
import time
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_schema.errors import ChangeErrorCode
from shared_schema.forms import FormDefinition, load_default_forms, parse_form
from shared_schema.validation import (
    MAX_ISSUES,
    FieldIssue,
    apply_defaults,
    evaluate_relevance,
    is_empty,
    validate,
    value_problem,
)

FORMS = load_default_forms()


def _v1(entity: str) -> FormDefinition:
    """These tests read "Đoàn kết sáng tạo v1" (v2's own rules: tests/shared_schema/test_forms_v2.py)."""
    form = FORMS.get(f"dkst_{entity}", 1)
    assert form is not None
    return form


MODEL = _v1("model")
VISIT = _v1("visit")
EVIDENCE = _v1("evidence")
INITIATIVE = _v1("initiative")
ACTIVITY = _v1("activity")
RA = _v1("residential_area")

UUID = "3f2c1a4e-8b7d-4c2a-9e1f-0a1b2c3d4e5f"
UUID2 = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
SHA = "a" * 64

VALID: dict[str, dict[str, Any]] = {
    "residential_area": {
        "name": "Thôn 3",
        "kind": "thon",
        "unit": "24619",
        "households": 120,
        "population": 530,
        "head_of_work_group": "Nguyễn Văn An",
    },
    "model": {
        "name": "Sản xuất phân vi sinh phục vụ chăm bón cho cây trồng trong nhà lưới",
        "residential_area": UUID,
        "unit": "24619",
        "content_area": "2",
        "linked_campaigns": ["new_rural_civilized_urban", "prefer_vietnamese_goods"],
        "lead_organization": "farmers_union",
        "start_date": "2020-07-08",
        "status": "operating",
        "participating_households": 25,
        "participating_people": 140,
        "state_budget_vnd": 50_000_000,
        "people_contribution_vnd": 120_000_000,
        "labour_days": 300,
        "economic_value_vnd_per_year": 800_000_000,
        "productivity_gain_pct": 12.5,
        "households_out_of_poverty": 3,
        "description": "Mô hình khép kín",
        "recommendation": "replicate",
        "location": {"lat": 12.69, "lon": 107.99, "accuracy": 8.5, "altitude": None},
    },
    "visit": {
        "model": UUID,
        "unit": "24619",
        "visit_date": "2022-11-20",
        "officer_name": "Trần Thị Bình",
        "location": {"lat": 12.69, "lon": 107.99, "accuracy": 5, "altitude": 410.2},
        "score_effectiveness": 5,
        "score_creativity": 4,
        "score_replicability": 4,
        "score_participation": 3,
        "score_sustainability": 1,
        "notes": "",
    },
    "evidence": {
        "visit": UUID,
        "unit": "24619",
        "kind": "photo",
        "sha256": SHA,
        "media_type": "image/jpeg",
        "size": 1_048_576,
        "caption": "Nhà lưới",
        "captured_at": "2022-11-20T08:30:00+07:00",
        "location": {"lat": 12.69, "lon": 107.99},
    },
    "initiative": {
        "title": "Ứng dụng phần mềm quản lý hồ sơ",
        "authors": "Lê Văn C, Phạm Thị D",
        "field": "administrative_reform",
        "benefit": "Rút ngắn thời gian giải quyết hồ sơ",
        "unit": "24619",
        "status": "recognized",
        "submitted_date": "2020-07-08",
        "decision_date": "2020-11-20",
        "benefit_vnd": 10_000_000,
    },
    "activity": {
        "kind": "bulletin",
        "title": "Bản tin công tác Mặt trận",
        "date": "2020-06-01",
        "unit": "24619",
        "attendees": 140,
        "bulletins_printed": 8400,
    },
}


def codes(issues: list[FieldIssue]) -> dict[str | None, ChangeErrorCode]:
    return {i.field: i.code for i in issues}


def one_field(form: FormDefinition, name: str, value: Any) -> list[FieldIssue]:
    """Validate ``{name: value}`` as a partial change of a valid record."""
    return validate(form, {name: value}, current=VALID[form.entity])


# ---------------------------------------------------------------------------- whole records
@pytest.mark.parametrize("entity", sorted(VALID))
def test_valid_records_pass(entity: str) -> None:
    form = FORMS.latest(entity)
    fields = {**VALID[entity], "form_id": form.form_id, "form_version": form.version}
    assert validate(form, fields) == []
    assert validate(form, fields, current={}) == []
    assert validate(form, fields, current=fields) == []


@pytest.mark.parametrize("entity", sorted(VALID))
def test_create_needs_every_required_relevant_field(entity: str) -> None:
    form = FORMS.latest(entity)
    issues = validate(form, {})
    relevant = evaluate_relevance(form, {})
    expected = {f.name for f in form.fields if f.required and relevant[f.name]}
    assert codes(issues) == dict.fromkeys(expected, ChangeErrorCode.REQUIRED)
    assert "unit" in expected


def test_required_but_not_relevant() -> None:
    fields = dict(VALID["model"])
    assert validate(MODEL, fields) == []  # stop_reason is required only for a stopped model
    fields["status"] = "stopped"
    assert codes(validate(MODEL, fields)) == {"stop_reason": ChangeErrorCode.REQUIRED}
    fields["stop_reason"] = "Thiếu vốn"
    assert validate(MODEL, fields) == []


def test_evidence_needs_a_visit_or_a_model() -> None:
    fields = dict(VALID["evidence"])
    assert validate(EVIDENCE, fields) == []
    del fields["visit"]
    assert codes(validate(EVIDENCE, fields)) == {"model": ChangeErrorCode.REQUIRED}
    fields["model"] = UUID2
    assert validate(EVIDENCE, fields) == []


def test_activity_counts_follow_kind() -> None:
    fields = dict(VALID["activity"])
    del fields["bulletins_printed"]
    assert codes(validate(ACTIVITY, fields)) == {"bulletins_printed": ChangeErrorCode.REQUIRED}
    fields["kind"] = "commendation"
    assert codes(validate(ACTIVITY, fields)) == {"commendations": ChangeErrorCode.REQUIRED}
    fields["kind"] = "conference"
    assert validate(ACTIVITY, fields) == []


def test_initiative_decision_date() -> None:
    fields = dict(VALID["initiative"])
    del fields["decision_date"]
    assert codes(validate(INITIATIVE, fields)) == {"decision_date": ChangeErrorCode.REQUIRED}
    fields["status"] = "submitted"
    assert validate(INITIATIVE, fields) == []
    assert evaluate_relevance(INITIATIVE, fields)["submitted_date"] is True
    assert evaluate_relevance(INITIATIVE, fields)["decision_date"] is False


@pytest.mark.parametrize("blank", [None, "", "   ", "\t\n", []])
def test_blank_is_no_answer_for_required(blank: Any) -> None:
    fields = {**VALID["model"], "name": blank}
    assert codes(validate(MODEL, fields)) == {"name": ChangeErrorCode.REQUIRED}


def test_an_invalid_required_value_is_reported_once() -> None:
    fields = {**VALID["model"], "status": "flying"}
    assert codes(validate(MODEL, fields)) == {"status": ChangeErrorCode.INVALID_VALUE}


# ---------------------------------------------------------------------------- partial changes
def test_partial_change_checks_only_given_fields() -> None:
    current = {"unit": "24619", "name": "x"}  # a record missing required fields (e.g. merged)
    assert validate(MODEL, {"description": "Mới"}, current=current) == []
    assert codes(validate(MODEL, {"participating_people": -1}, current=current)) == {
        "participating_people": ChangeErrorCode.INVALID_VALUE
    }


def test_partial_change_may_not_empty_a_required_field() -> None:
    current = VALID["model"]
    blank: Any
    for blank in (None, "", "  ", []):
        issues = validate(MODEL, {"name": blank}, current=current)
        assert codes(issues) == {"name": ChangeErrorCode.REQUIRED}
    assert validate(MODEL, {"description": None}, current=current) == []  # optional: may clear


def test_partial_change_relevance_uses_merged_state() -> None:
    stopped = {**VALID["model"], "status": "stopped", "stop_reason": "Thiếu vốn"}
    # Clearing stop_reason of a stopped model: required there.
    assert codes(validate(MODEL, {"stop_reason": None}, current=stopped)) == {
        "stop_reason": ChangeErrorCode.REQUIRED
    }
    # Clearing it in the same change that reopens the model: not relevant any more.
    assert validate(MODEL, {"status": "operating", "stop_reason": None}, current=stopped) == []
    # Stopping and clearing the reason at once is refused.
    operating = VALID["model"]
    assert codes(validate(MODEL, {"status": "stopped", "stop_reason": ""}, current=operating)) == {
        "stop_reason": ChangeErrorCode.REQUIRED
    }
    # Stopping without giving a reason is accepted: another device may be writing it (SYNC.md:
    # later changes are checked field by field).
    assert validate(MODEL, {"status": "stopped"}, current=operating) == []


def test_partial_evidence_visit_cleared() -> None:
    current = VALID["evidence"]
    assert validate(EVIDENCE, {"visit": None}, current=current) == []
    # With no visit, the model becomes required; emptying it as well is refused.
    assert codes(validate(EVIDENCE, {"visit": None, "model": None}, current=current)) == {
        "model": ChangeErrorCode.REQUIRED
    }


def test_current_with_garbage_keys_is_tolerated() -> None:
    current: dict[Any, Any] = {**VALID["model"], 1: "x", None: None}
    assert validate(MODEL, {"name": "Mới"}, current=current) == []
    assert validate(MODEL, {"name": "Mới"}, current="garbage") == []  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- names, system fields
def test_unknown_fields() -> None:
    garbage: dict[Any, Any] = {"nmae": "x", 7: "y", None: 1, ("a",): 2}
    issues = validate(MODEL, garbage, current={})
    assert [(i.field, i.code) for i in issues] == [
        ("nmae", ChangeErrorCode.UNKNOWN_FIELD),
        ("7", ChangeErrorCode.UNKNOWN_FIELD),
        ("None", ChangeErrorCode.UNKNOWN_FIELD),
        ("<tuple>", ChangeErrorCode.UNKNOWN_FIELD),
    ]
    long_name = "x" * 10_000
    assert validate(MODEL, {long_name: 1}, current={})[0].field == "x" * 64


def test_fields_not_a_mapping() -> None:
    garbage: Any
    for garbage in (None, [], "x", 1, [("name", "x")]):
        issues = validate(MODEL, garbage)
        assert [i.code for i in issues] == [ChangeErrorCode.INVALID_CHANGE]


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("form_id", "dkst_model", None),
        ("form_id", "dkst_visit", ChangeErrorCode.INVALID_VALUE),
        ("form_id", 1, ChangeErrorCode.INVALID_VALUE),
        ("form_id", None, ChangeErrorCode.REQUIRED),
        ("form_version", 1, None),
        ("form_version", 2, ChangeErrorCode.INVALID_VALUE),
        ("form_version", True, ChangeErrorCode.INVALID_VALUE),
        ("form_version", "1", ChangeErrorCode.INVALID_VALUE),
        ("form_version", 1.0, ChangeErrorCode.INVALID_VALUE),
        ("form_version", None, ChangeErrorCode.REQUIRED),
        ("review_state", "pending", None),
        ("review_state", "approved", None),
        ("review_state", "returned", None),
        ("review_state", None, None),
        ("review_state", "Approved", ChangeErrorCode.INVALID_VALUE),
        ("review_state", ["approved"], ChangeErrorCode.INVALID_VALUE),
        ("review_comment", "Cần bổ sung ảnh", None),
        ("review_comment", None, None),
        ("review_comment", "x" * 2000, None),
        ("review_comment", "x" * 2001, ChangeErrorCode.INVALID_VALUE),
        ("review_comment", unicodedata.normalize("NFD", "ệ" * 2000), None),
        ("review_comment", 5, ChangeErrorCode.INVALID_VALUE),
        ("review_comment", "a\x00b", ChangeErrorCode.INVALID_VALUE),
    ],
)
def test_system_fields(name: str, value: Any, code: ChangeErrorCode | None) -> None:
    for current in (None, VALID["model"]):
        fields = {name: value} if current is not None else {**VALID["model"], name: value}
        issues = validate(MODEL, fields, current=current)
        assert codes(issues) == ({} if code is None else {name: code})


# ---------------------------------------------------------------------------- values by type
_ATTACHMENT_FORM = parse_form(
    {
        "form_id": "test_attachment",
        "version": 1,
        "entity": "evidence",
        "title": {"vi": "Thử", "en": "Test"},
        "fields": [
            {"name": "unit", "type": "unit", "required": True, "label": {"vi": "Xã", "en": "Unit"}},
            {"name": "file", "type": "attachment", "label": {"vi": "Tệp", "en": "File"}},
            {
                "name": "photo",
                "type": "attachment",
                "label": {"vi": "Ảnh", "en": "Photo"},
                "constraints": {"media_types": ["image/jpeg"], "max_size": 1000},
            },
            {
                "name": "tags",
                "type": "select_multiple",
                "label": {"vi": "Nhãn", "en": "Tags"},
                "choices": [{"value": v, "label": {"vi": v, "en": v}} for v in "abc"],
                "constraints": {"min_count": 2, "max_count": 2},
            },
            {
                "name": "code",
                "type": "text",
                "label": {"vi": "Mã", "en": "Code"},
                "constraints": {"min_length": 2, "max_length": 3, "pattern": "[A-ZĐ]+"},
            },
        ],
    }
)
VALID["evidence_test"] = {"unit": "1"}


def _file(**kw: Any) -> dict[str, Any]:
    return {"sha256": SHA, "media_type": "application/pdf", "size": 10, **kw}


INF, NAN = float("inf"), float("nan")

CASES: list[tuple[FormDefinition, str, Any, bool]] = [
    # text
    (MODEL, "description", "Mô tả", True),
    (MODEL, "description", unicodedata.normalize("NFD", "Đoàn kết sáng tạo"), True),
    (MODEL, "description", "x" * 5000, True),
    (MODEL, "description", "x" * 5001, False),
    (MODEL, "description", unicodedata.normalize("NFD", "ệ" * 5000), True),  # 15,000 code points
    (MODEL, "description", 5, False),
    (MODEL, "description", True, False),
    (MODEL, "description", ["a"], False),
    (MODEL, "description", {"vi": "a"}, False),
    (MODEL, "description", "a\x00b", False),
    (MODEL, "description", "a\ud800b", False),
    (MODEL, "description", "emoji 🎉 ok", True),
    (VISIT, "notes", "y" * 5000, True),
    (RA, "head_of_work_group", "z" * 201, False),
    (_ATTACHMENT_FORM, "code", "AB", True),
    (_ATTACHMENT_FORM, "code", "ĐĐ", True),
    (_ATTACHMENT_FORM, "code", unicodedata.normalize("NFD", "ĐĐ"), True),
    (_ATTACHMENT_FORM, "code", "A", False),
    (_ATTACHMENT_FORM, "code", "ABCD", False),
    (_ATTACHMENT_FORM, "code", "ab", False),
    (EVIDENCE, "sha256", SHA, True),
    (EVIDENCE, "sha256", SHA.upper(), False),
    (EVIDENCE, "sha256", SHA[:-1], False),
    (EVIDENCE, "sha256", SHA + "\n", False),
    # integer
    (MODEL, "participating_people", 0, True),
    (MODEL, "participating_people", 140, True),
    (MODEL, "participating_people", -1, False),
    (MODEL, "participating_people", True, False),
    (MODEL, "participating_people", 3.0, False),
    (MODEL, "participating_people", 3.5, False),
    (MODEL, "participating_people", "3", False),
    (MODEL, "participating_people", 2**53 - 1, True),
    (MODEL, "participating_people", 2**53, False),
    (MODEL, "participating_people", 10**400, False),
    (MODEL, "participating_people", NAN, False),
    (VISIT, "score_creativity", 1, True),
    (VISIT, "score_creativity", 5, True),
    (VISIT, "score_creativity", 0, False),
    (VISIT, "score_creativity", 6, False),
    (EVIDENCE, "size", 26214400, True),
    (EVIDENCE, "size", 26214401, False),
    # decimal
    (MODEL, "productivity_gain_pct", 0, True),
    (MODEL, "productivity_gain_pct", 12.5, True),
    (MODEL, "productivity_gain_pct", 1000, True),
    (MODEL, "productivity_gain_pct", 1000.0001, False),
    (MODEL, "productivity_gain_pct", -0.1, False),
    (MODEL, "productivity_gain_pct", NAN, False),
    (MODEL, "productivity_gain_pct", INF, False),
    (MODEL, "productivity_gain_pct", -INF, False),
    (MODEL, "productivity_gain_pct", False, False),
    (MODEL, "productivity_gain_pct", "12.5", False),
    (MODEL, "productivity_gain_pct", 10**400, False),
    # date
    (MODEL, "start_date", "2024-02-29", True),
    (MODEL, "start_date", "2023-02-29", False),
    (MODEL, "start_date", "2024-2-9", False),
    (MODEL, "start_date", "2024-05-16T00:00:00", False),
    (MODEL, "start_date", "16/05/2024", False),
    (MODEL, "start_date", "２０２４-０５-１６", False),
    (MODEL, "start_date", "1944-12-31", False),  # before the form's min
    (MODEL, "start_date", 20240516, False),
    (VISIT, "visit_date", "2016-12-31", False),
    (VISIT, "visit_date", "2017-01-01", True),
    # datetime
    (EVIDENCE, "captured_at", "2022-11-20T08:30:00Z", True),
    (EVIDENCE, "captured_at", "2022-11-20T08:30:00.123456+07:00", True),
    (EVIDENCE, "captured_at", "2022-11-20T08:30Z", True),
    (EVIDENCE, "captured_at", "2022-11-20T08:30:00-05:30", True),
    (EVIDENCE, "captured_at", "2022-11-20T08:30:00", False),
    (EVIDENCE, "captured_at", "2022-11-20 08:30:00Z", False),
    (EVIDENCE, "captured_at", "2022-11-20T08:30:00.1234567Z", False),
    (EVIDENCE, "captured_at", "2022-13-20T08:30:00Z", False),
    (EVIDENCE, "captured_at", "2022-11-20T24:30:00Z", False),
    (EVIDENCE, "captured_at", "2022-11-20T08:30:00+25:00", False),
    (EVIDENCE, "captured_at", "2022-11-20", False),
    (EVIDENCE, "captured_at", 1668900000, False),
    # select_one
    (MODEL, "status", "stopped", True),
    (MODEL, "status", "Stopped", False),
    (MODEL, "status", "đã dừng", False),
    (MODEL, "status", ["stopped"], False),
    (MODEL, "content_area", "5", True),
    (MODEL, "content_area", 5, False),
    (MODEL, "content_area", "6", False),
    # select_multiple
    (MODEL, "linked_campaigns", ["cultural_life"], True),
    (MODEL, "linked_campaigns", ["cultural_life", "covid_dual_goal"], True),
    (MODEL, "linked_campaigns", ["cultural_life", "cultural_life"], False),
    (MODEL, "linked_campaigns", ["nope"], False),
    (MODEL, "linked_campaigns", "cultural_life", False),
    (MODEL, "linked_campaigns", [1], False),
    (MODEL, "linked_campaigns", [None], False),
    (MODEL, "linked_campaigns", [["cultural_life"]], False),
    (MODEL, "linked_campaigns", {"cultural_life": True}, False),
    (_ATTACHMENT_FORM, "tags", ["a", "b"], True),
    (_ATTACHMENT_FORM, "tags", ["a"], False),
    (_ATTACHMENT_FORM, "tags", ["a", "b", "c"], False),
    # geopoint
    (MODEL, "location", {"lat": 12.69, "lon": 107.99, "accuracy": 3, "altitude": -2}, True),
    (MODEL, "location", {"lat": 12.69, "lon": 107.99}, True),
    (MODEL, "location", {"lat": -90, "lon": 180, "accuracy": 0, "altitude": None}, True),
    (MODEL, "location", {"lat": 90.0001, "lon": 0}, False),
    (MODEL, "location", {"lat": 0, "lon": -180.5}, False),
    (MODEL, "location", {"lat": 0}, False),
    (MODEL, "location", {"lat": NAN, "lon": 0}, False),
    (MODEL, "location", {"lat": 0, "lon": INF}, False),
    (MODEL, "location", {"lat": True, "lon": 0}, False),
    (MODEL, "location", {"lat": "12.6", "lon": "107.9"}, False),
    (MODEL, "location", {"lat": 0, "lon": 0, "accuracy": -1}, False),
    (MODEL, "location", {"lat": 0, "lon": 0, "accuracy": NAN}, False),
    (MODEL, "location", {"lat": 0, "lon": 0, "altitude": "high"}, False),
    (MODEL, "location", {"lat": 0, "lon": 0, "speed": 3}, False),
    (MODEL, "location", {1: 0, "lat": 0, "lon": 0}, False),
    (MODEL, "location", {}, False),
    (MODEL, "location", [12.69, 107.99], False),
    (MODEL, "location", "12.69,107.99", False),
    # attachment
    (_ATTACHMENT_FORM, "file", _file(), True),
    (_ATTACHMENT_FORM, "file", _file(size=0), True),
    (_ATTACHMENT_FORM, "file", _file(size=25 * 1024 * 1024), True),
    (_ATTACHMENT_FORM, "file", _file(size=25 * 1024 * 1024 + 1), False),
    (_ATTACHMENT_FORM, "file", _file(size=-1), False),
    (_ATTACHMENT_FORM, "file", _file(size=True), False),
    (_ATTACHMENT_FORM, "file", _file(size=1.0), False),
    (_ATTACHMENT_FORM, "file", _file(sha256=SHA.upper()), False),
    (_ATTACHMENT_FORM, "file", _file(sha256=None), False),
    (_ATTACHMENT_FORM, "file", _file(media_type="text/html"), False),
    (_ATTACHMENT_FORM, "file", _file(media_type="image/JPEG"), False),
    (_ATTACHMENT_FORM, "file", _file(name="x.pdf"), False),
    (_ATTACHMENT_FORM, "file", {"sha256": SHA, "size": 1}, False),
    (_ATTACHMENT_FORM, "file", SHA, False),
    (_ATTACHMENT_FORM, "photo", _file(media_type="image/jpeg", size=1000), True),
    (_ATTACHMENT_FORM, "photo", _file(media_type="image/png", size=10), False),
    (_ATTACHMENT_FORM, "photo", _file(media_type="image/jpeg", size=1001), False),
    # unit
    (MODEL, "unit", "24619", True),
    (MODEL, "unit", "0123456789", True),
    (MODEL, "unit", "01234567890", False),
    (MODEL, "unit", "2461a", False),
    (MODEL, "unit", "٢٤٦١٩", False),  # Arabic-Indic digits are digits to \d, not to us
    (MODEL, "unit", 24619, False),
    (MODEL, "unit", " 24619", False),
    # reference
    (MODEL, "residential_area", UUID, True),
    (MODEL, "residential_area", UUID.upper(), False),
    (MODEL, "residential_area", UUID.replace("-", ""), False),
    (MODEL, "residential_area", "{" + UUID + "}", False),
    (MODEL, "residential_area", 1, False),
    (MODEL, "residential_area", {"record_id": UUID}, False),
]


@pytest.mark.parametrize(
    ("form", "name", "value", "ok"),
    CASES,
    ids=[f"{c[0].entity}.{c[1]}-{i}" for i, c in enumerate(CASES)],
)
def test_value(form: FormDefinition, name: str, value: Any, ok: bool) -> None:
    current = VALID.get(form.entity) if form is not _ATTACHMENT_FORM else {"unit": "1"}
    issues = validate(form, {name: value}, current=current)
    if ok:
        assert issues == []
        assert value_problem(form.field(name), value) is None  # type: ignore[arg-type]
    else:
        assert codes(issues) == {name: ChangeErrorCode.INVALID_VALUE}
        assert value_problem(form.field(name), value)  # type: ignore[arg-type]


def test_a_10_mb_string_is_an_invalid_value_quickly() -> None:
    for huge in ("x" * 10_000_000, unicodedata.normalize("NFD", "ệ") * 3_000_000):
        started = time.perf_counter()
        issues = validate(MODEL, {"description": huge, "name": huge}, current=VALID["model"])
        assert codes(issues) == {
            "description": ChangeErrorCode.INVALID_VALUE,
            "name": ChangeErrorCode.INVALID_VALUE,
        }
        assert time.perf_counter() - started < 1.0


def test_many_unknown_fields_are_capped() -> None:
    issues = validate(MODEL, {f"f{i}": i for i in range(100_000)}, current={})
    assert len(issues) == MAX_ISSUES
    issues = validate(MODEL, {})
    assert len(issues) < MAX_ISSUES


# ---------------------------------------------------------------------------- messages
def test_messages_are_vietnamese_first_with_the_label() -> None:
    (issue,) = validate(MODEL, {"status": "flying"}, current=VALID["model"])
    assert (
        issue.message == "Tình trạng: Giá trị không hợp lệ: không phải là một lựa chọn của trường"
    )
    (issue,) = validate(MODEL, {"status": "flying"}, current=VALID["model"], lang="en")
    assert issue.message == "Status: Invalid value: is not one of the choices"
    (issue,) = validate(MODEL, {"name": ""}, current=VALID["model"])
    assert issue.message == "Tên mô hình: Trường bắt buộc"
    (issue,) = validate(MODEL, {"nmae": 1}, current=VALID["model"])
    assert issue.message == "nmae: Trường không có trong biểu mẫu"
    (issue,) = validate(MODEL, {"review_state": "ok"}, current=VALID["model"])
    assert issue.message.startswith("Trạng thái duyệt: Giá trị không hợp lệ")
    assert issue.as_dict() == {
        "field": "review_state",
        "code": "invalid_value",
        "message": issue.message,
    }
    assert unicodedata.is_normalized("NFC", issue.message)


def test_field_issue_is_frozen() -> None:
    issue = FieldIssue("a", ChangeErrorCode.REQUIRED, "x")
    with pytest.raises(AttributeError):
        issue.field = "b"  # type: ignore[misc]


# ---------------------------------------------------------------------------- helpers
def test_evaluate_relevance() -> None:
    rel = evaluate_relevance(MODEL, {"status": "stopped"})
    assert set(rel) == set(MODEL.field_names)
    assert rel["stop_reason"] is True and rel["name"] is True
    assert evaluate_relevance(MODEL, {})["stop_reason"] is False
    assert evaluate_relevance(MODEL, None)["stop_reason"] is False  # type: ignore[arg-type]
    assert evaluate_relevance(EVIDENCE, {"visit": UUID})["model"] is False
    assert evaluate_relevance(EVIDENCE, {"visit": None})["model"] is True


def test_apply_defaults() -> None:
    filled = apply_defaults(MODEL, {"name": "x"})
    assert filled == {"name": "x", "status": "building"}
    assert apply_defaults(MODEL, {"status": "stopped"})["status"] == "stopped"
    assert apply_defaults(MODEL, {"status": None})["status"] is None  # explicit answers stay
    assert apply_defaults(INITIATIVE, {})["status"] == "proposed"
    source = {"name": "x"}
    apply_defaults(MODEL, source)
    assert source == {"name": "x"}
    assert apply_defaults(MODEL, None) == {"status": "building"}  # type: ignore[arg-type]
    without_status = {k: v for k, v in VALID["model"].items() if k != "status"}
    assert codes(validate(MODEL, without_status)) == {"status": ChangeErrorCode.REQUIRED}
    assert validate(MODEL, apply_defaults(MODEL, without_status)) == []


@pytest.mark.parametrize(
    ("value", "empty"),
    [(None, True), ("", True), (" \n", True), ([], True), (0, False), ({}, False), ("a", False)],
)
def test_is_empty(value: Any, empty: bool) -> None:
    assert is_empty(value) is empty


# ---------------------------------------------------------------------------- never raises
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()  # NaN and ±inf included
    | st.text(max_size=20)
    | st.sampled_from(["", " ", SHA, UUID, "24619", "2024-02-30", "2024-05-16", "stopped"])
    | st.sampled_from(["2022-11-20T08:30:00Z", "\x00", "\ud800", "x" * 20_000, "٢"])
)
_keys = st.text(max_size=6) | st.integers() | st.none() | st.booleans() | st.floats()
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_keys, inner, max_size=4)
        | st.fixed_dictionaries(
            {"lat": inner, "lon": inner}, optional={"accuracy": inner, "altitude": inner}
        )
        | st.fixed_dictionaries({"sha256": inner, "media_type": inner, "size": inner})
    ),
    max_leaves=6,
)


def _field_names(form: FormDefinition) -> st.SearchStrategy[Any]:
    system = ["form_id", "form_version", "review_state", "review_comment"]
    return st.sampled_from([*form.field_names, *system]) | _keys


@pytest.mark.parametrize("form", [*FORMS.all(), _ATTACHMENT_FORM], ids=lambda f: f.form_id)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_validate_never_raises(form: FormDefinition, data: st.DataObject) -> None:
    fields = data.draw(st.dictionaries(_field_names(form), _values, max_size=8), label="fields")
    current = data.draw(
        st.none() | st.dictionaries(_field_names(form), _values, max_size=5), label="current"
    )
    lang = data.draw(st.sampled_from(["vi", "en", "fr"]))
    issues = validate(form, fields, current=current, lang=lang)
    assert len(issues) <= MAX_ISSUES
    for issue in issues:
        assert isinstance(issue.code, ChangeErrorCode)
        assert issue.field is None or isinstance(issue.field, str)
        assert isinstance(issue.message, str) and issue.message
    evaluate_relevance(form, fields)
    apply_defaults(form, fields)


@settings(max_examples=300, deadline=None)
@given(value=_values)
def test_value_problem_never_raises(value: Any) -> None:
    for form in (*FORMS.all(), _ATTACHMENT_FORM):
        for f in form.fields:
            problem = value_problem(f, value)
            assert problem is None or isinstance(problem, str)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(min_value=-90, max_value=90),
    lon=st.floats(min_value=-180, max_value=180),
    accuracy=st.none() | st.floats(min_value=0, allow_infinity=False),
    altitude=st.none() | st.floats(allow_nan=False, allow_infinity=False),
)
def test_every_real_position_is_a_valid_geopoint(
    lat: float, lon: float, accuracy: float | None, altitude: float | None
) -> None:
    point = {"lat": lat, "lon": lon, "accuracy": accuracy, "altitude": altitude}
    assert not math.isnan(lat)
    assert one_field(MODEL, "location", point) == []
