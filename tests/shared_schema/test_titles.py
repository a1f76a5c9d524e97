"""The words of the new map (issue 19): unit field labels, Front bodies and role titles by level
and tree, on units of the shipped lists."""

from __future__ import annotations

import pytest

from shared_schema.forms import load_default_forms
from shared_schema.titles import (
    field_label,
    front_body,
    role_name,
    role_title,
    unit_field_label,
    unit_type,
)
from shared_schema.units import load_units


def _unit(source: str, code: str) -> dict[str, str]:
    u = load_units(source)[code]  # type: ignore[arg-type]
    return {"name": u.name, "level": u.level}


@pytest.mark.parametrize(
    ("tree", "lang", "expected"),
    [
        ("current", "vi", "Xã, phường, đặc khu"),
        ("legacy", "vi", "Xã, phường, thị trấn"),
        (None, "vi", "Xã, phường, đặc khu"),  # a new installation starts on the current tree
        ("current", "en", "Commune, ward or special zone"),
        ("legacy", "en", "Commune, ward or town"),
    ],
)
def test_unit_field_label_follows_the_tree(tree: str | None, lang: str, expected: str) -> None:
    assert unit_field_label(tree, lang) == expected


def test_a_forms_unit_field_is_labelled_by_the_tree_the_others_by_the_form() -> None:
    form = load_default_forms().get("dkst_model", 1)
    assert form is not None
    unit, name = form.field("unit"), form.field("name")
    assert unit is not None and name is not None
    assert unit.label.vi == "Xã, phường, thị trấn"  # the immutable v1 file
    assert field_label(unit, "vi", "current") == "Xã, phường, đặc khu"
    assert field_label(unit, "vi", "legacy") == "Xã, phường, thị trấn"
    assert field_label(name, "vi", "current") == name.label.vi
    assert field_label(name, "en", "legacy") == name.label.en


@pytest.mark.parametrize(
    ("source", "code", "vi", "en"),
    [
        ("current", "68", "tỉnh", "province"),
        ("current", "01", "thành phố", "city"),
        ("current", "24646", "xã", "commune"),
        ("legacy", "24640", "thị trấn", "township"),
        ("legacy", "662", "huyện", "district"),
        ("legacy", "760", "quận", "urban district"),
    ],
)
def test_unit_type_is_read_from_the_name(source: str, code: str, vi: str, en: str) -> None:
    u = _unit(source, code)
    assert unit_type(u["name"], u["level"]) == vi
    assert unit_type(u["name"], u["level"], "en") == en


def test_unit_type_of_a_special_zone_and_a_ward() -> None:
    tree = load_units("current")
    zone = next(u for u in tree if u.name.startswith("Đặc khu "))
    ward = next(u for u in tree if u.name.startswith("Phường "))
    assert unit_type(zone.name, zone.level) == "đặc khu"
    assert unit_type(ward.name, ward.level) == "phường"
    assert unit_type("Bản Lác", "commune") == "xã"  # no type in the name: the level's


@pytest.mark.parametrize(
    ("source", "code", "expected"),
    [
        ("legacy", "662", "Ban Thường trực Ủy ban MTTQ huyện Cư Jút"),  # the seeds' wording
        ("current", "68", "Ban Thường trực Ủy ban MTTQ tỉnh Lâm Đồng"),
        ("current", "24646", "Ban Thường trực Ủy ban MTTQ xã Đắk Wil"),
        ("current", "01", "Ban Thường trực Ủy ban MTTQ thành phố Hà Nội"),
        ("legacy", "24640", "Ban Thường trực Ủy ban MTTQ thị trấn Ea T'Ling"),
    ],
)
def test_front_body_in_the_seeds_wording(source: str, code: str, expected: str) -> None:
    u = _unit(source, code)
    assert front_body(u["name"], u["level"]) == expected


def test_front_body_in_english_names_the_unit() -> None:
    assert front_body("Tỉnh Lâm Đồng", "province", "en") == (
        "Standing Committee of the Fatherland Front, Tỉnh Lâm Đồng"
    )


@pytest.mark.parametrize(
    ("role", "source", "code", "vi", "en"),
    [
        ("district_staff", "current", "68", "Cán bộ MTTQ tỉnh", "Province Front staff"),
        ("district_staff", "current", "01", "Cán bộ MTTQ thành phố", "City Front staff"),
        ("district_staff", "legacy", "662", "Cán bộ MTTQ huyện", "District Front staff"),
        ("district_staff", "legacy", "67", "Cán bộ MTTQ tỉnh", "Province Front staff"),
        ("commune_staff", "current", "24646", "Cán bộ MTTQ xã", "Commune Front staff"),
        ("commune_staff", "legacy", "24640", "Cán bộ MTTQ thị trấn", "Township Front staff"),
        (
            "district_staff",
            "current",
            "24646",
            "Cán bộ MTTQ phụ trách cơ sở",
            "Front staff over communes",
        ),
        ("field_officer", "current", "24646", "Cán bộ hiện trường", "Field officer"),
        ("admin", "current", "68", "Quản trị viên", "Administrator"),
    ],
)
def test_role_title_follows_the_unit(role: str, source: str, code: str, vi: str, en: str) -> None:
    units = [_unit(source, code)]
    assert role_title(role, units, source, "vi") == vi
    assert role_title(role, units, source, "en") == en


def test_role_title_takes_the_highest_unit_and_a_ward_is_a_ward() -> None:
    tree = load_units("current")
    ward = next(u for u in tree if u.name.startswith("Phường "))
    zone = next(u for u in tree if u.name.startswith("Đặc khu "))
    ward_d = {"name": ward.name, "level": ward.level}
    zone_d = {"name": zone.name, "level": zone.level}
    assert role_title("commune_staff", [ward_d], "current", "vi") == "Cán bộ MTTQ phường"
    assert role_title("commune_staff", [zone_d], "current", "vi") == "Cán bộ MTTQ đặc khu"
    both = [ward_d, _unit("current", "68")]
    assert role_title("district_staff", both, "current", "vi") == "Cán bộ MTTQ tỉnh"


@pytest.mark.parametrize(
    ("role", "tree", "vi"),
    [
        ("commune_staff", "current", "Cán bộ MTTQ xã, phường, đặc khu"),
        ("commune_staff", "legacy", "Cán bộ MTTQ xã, phường, thị trấn"),
        ("district_staff", "current", "Cán bộ MTTQ tỉnh, thành phố"),
        ("district_staff", "legacy", "Cán bộ MTTQ huyện, tỉnh"),
        ("field_officer", None, "Cán bộ hiện trường"),
        ("admin", "legacy", "Quản trị viên"),
        ("emperor", "current", "emperor"),
    ],
)
def test_role_name_without_a_unit_follows_the_tree(role: str, tree: str | None, vi: str) -> None:
    assert role_name(role, tree, "vi") == vi
    assert role_title(role, [], tree, "vi") == vi
