"""The form set "Đoàn kết sáng tạo v2" (issue 20): every row of the issue's table has a field, in
the documents' own words, and v1 stays as it was, so that v1 records stay valid against v1."""

from __future__ import annotations

from typing import Any

import pytest

from shared_schema.errors import ChangeErrorCode
from shared_schema.forms import FormDefinition, load_default_forms
from shared_schema.validation import validate

FORMS = load_default_forms()
UUID = "3f2c1a4e-8b7d-4c2a-9e1f-0a1b2c3d4e5f"

# The canonical hashes of v1 as published: a v1 file edited by mistake fails here.
V1_SHA256 = {
    "dkst_activity": "ef875d0f8929db09fb9b48b5366d7e3e4a762528f7678073e0f978551c85821c",
    "dkst_evidence": "08c98828508b75d58ade900d4b683fba4ddf44183cbec0731c305179805eee04",
    "dkst_initiative": "e0a79a7c9b841ee175e0a88298e73a9c4bd85ef797ea06c586c7a981a4b39f0a",
    "dkst_model": "c55bd723c0644a8bf639878a373e58f941d8d6691eda0003c666806222c5d1e5",
    "dkst_residential_area": "906007cd0eeccc909ec69b2fca90c3b83d172ff46f52dbd26ff90a0a4bf16118",
    "dkst_visit": "b25287f2376fe76f6b447f4ab9ef9d281058da6c2c58e539d22f43dcad4d880f",
}


def _v2(entity: str) -> FormDefinition:
    form = FORMS.get(f"dkst_{entity}", 2)
    assert form is not None
    return form


@pytest.mark.parametrize("form_id", sorted(V1_SHA256))
def test_v1_is_untouched(form_id: str) -> None:
    form = FORMS.get(form_id, 1)
    assert form is not None and form.sha256 == V1_SHA256[form_id]


@pytest.mark.parametrize(
    "entity", ["residential_area", "model", "visit", "evidence", "initiative", "activity"]
)
def test_v2_is_the_default_and_names_the_new_communes(entity: str) -> None:
    form = FORMS.latest(entity)
    assert form.version == 2
    unit = form.field("unit")
    assert unit is not None
    # "thị trấn" no longer exists since 1 July 2025; "đặc khu" does.
    assert (unit.label.vi, unit.label.en) == (
        "Xã, phường, đặc khu",
        "Commune, ward or special zone",
    )


# Each row of issue 20's table: (form, field, a choice value or None, words from the documents).
TABLE = [
    ("model", "linked_campaigns", "green_clean_beautiful", "Xanh - sạch - đẹp"),
    ("model", "linked_campaigns", "sustainable_poverty_reduction", "Giảm nghèo bền vững"),
    ("model", "linked_campaigns", "anti_corruption", "tham nhũng"),
    ("model", "linked_campaigns", "other", "khác"),
    ("model", "other_campaign", None, "khác"),
    ("activity", "kind", "web", "web"),
    ("activity", "kind", "facebook", "Facebook"),
    ("activity", "kind", "radio", "phát thanh"),
    ("activity", "kind", "loudspeaker", "Loa"),
    ("activity", "kind", "contest", "Hội thi"),
    ("activity", "title", None, "Tay nghề giỏi"),
    ("evidence", "initiative", None, "hồ sơ sáng kiến"),
    ("evidence", "activity", None, "Hoạt động"),
    ("initiative", "applied", "yes", "áp dụng"),
    ("initiative", "applied_year", None, "Năm áp dụng"),
    ("activity", "commended_collectives", None, "tập thể"),
    ("activity", "commended_individuals", None, "cá nhân"),
    ("activity", "commendation_date", None, "Thời gian xét khen thưởng"),
    ("model", "party_members", None, "đảng viên"),
    ("model", "youth_students", None, "học sinh"),
    ("model", "religious_followers", None, "tôn giáo"),
    ("model", "ethnic_minority", None, "dân tộc"),
    ("activity", "party_members", None, "đảng viên"),
    ("model", "results", None, "Kết quả"),
    ("model", "shortcomings", None, "hạn chế"),
    ("activity", "shortcomings", None, "hạn chế"),
    ("model", "lead_organization", "religious_organization", "tôn giáo"),
]


@pytest.mark.parametrize(("entity", "name", "choice", "words"), TABLE)
def test_every_row_of_the_table_has_a_field(
    entity: str, name: str, choice: str | None, words: str
) -> None:
    fdef = _v2(entity).field(name)
    assert fdef is not None
    text = fdef.label.vi + (fdef.hint.vi if fdef.hint else "")
    if choice is not None:
        text = fdef.choice_label(choice, "vi") or ""
        assert fdef.choice_label(choice, "en")
    assert words.lower() in text.lower()


def _codes(form: FormDefinition, fields: dict[str, Any]) -> dict[str, ChangeErrorCode]:
    return {i.field: i.code for i in validate(form, fields)}


def _base(entity: str, **fields: Any) -> dict[str, Any]:
    form = _v2(entity)
    return {"unit": "24619", "form_id": form.form_id, "form_version": 2, **fields}


EVIDENCE = {"kind": "document", "sha256": "a" * 64, "media_type": "application/pdf", "size": 10}


@pytest.mark.parametrize("parent", ["visit", "model", "initiative", "activity"])
def test_evidence_names_any_of_four_parents(parent: str) -> None:
    assert _codes(_v2("evidence"), _base("evidence", **EVIDENCE, **{parent: UUID})) == {}


def test_evidence_with_no_parent_needs_a_model_as_in_v1() -> None:
    assert _codes(_v2("evidence"), _base("evidence", **EVIDENCE)) == {
        "model": ChangeErrorCode.REQUIRED
    }
    v1 = FORMS.get("dkst_evidence", 1)
    assert v1 is not None
    fields = {**_base("evidence", **EVIDENCE, initiative=UUID), "form_version": 1}
    assert ChangeErrorCode.UNKNOWN_FIELD in _codes(v1, fields).values()


def test_other_campaign_is_asked_when_other_is_ticked() -> None:
    model = _v2("model")
    fields = _base(
        "model", name="Đường hoa", residential_area=UUID, content_area="1", status="operating"
    )
    assert _codes(model, {**fields, "linked_campaigns": ["green_clean_beautiful"]}) == {}
    assert _codes(model, {**fields, "linked_campaigns": ["other"]}) == {
        "other_campaign": ChangeErrorCode.REQUIRED
    }
    both = {**fields, "linked_campaigns": ["other"], "other_campaign": "Ngày Chủ nhật xanh"}
    assert _codes(model, both) == {}


def test_a_commendation_counts_collectives_and_individuals() -> None:
    activity = _v2("activity")
    fields = _base("activity", kind="commendation", title="Biểu dương", date="2019-12-01")
    assert _codes(activity, fields) == {
        "commended_collectives": ChangeErrorCode.REQUIRED,
        "commended_individuals": ChangeErrorCode.REQUIRED,
    }
    full = {**fields, "commended_collectives": 3, "commended_individuals": 12}
    assert _codes(activity, {**full, "commendation_date": "2019-12-01"}) == {}


def test_an_applied_initiative_names_its_year() -> None:
    form = _v2("initiative")
    fields = _base(
        "initiative", title="Phần mềm", authors="Lê Văn C", field="education", status="proposed"
    )
    assert _codes(form, {**fields, "applied": "yes"}) == {"applied_year": ChangeErrorCode.REQUIRED}
    assert _codes(form, {**fields, "applied": "yes", "applied_year": 2020}) == {}
    assert _codes(form, {**fields, "applied": "no"}) == {}
