"""The demo's sample records, made for any communes (issue 19): the new map's, and the old map's
that ``dkst demo --history`` reforms."""

from __future__ import annotations

from server.services.demo import NEW_MAP, OLD_MAP, demo_id, demo_records
from shared_schema.reform import load_reform
from shared_schema.units import load_units


def test_the_new_maps_records_sit_on_its_communes() -> None:
    records = demo_records(NEW_MAP)
    units = {fields["unit"] for _, _, fields in records}
    assert units == {"24646", "24640", "24649"}
    current = load_units("current", "68")
    assert {current[u].name for u in units} == {"Xã Đắk Wil", "Xã Cư Jút", "Xã Nam Dong"}
    assert demo_id("model-phan-vi-sinh") in {rid for _, rid, _ in records}
    visit = next(f for e, _, f in records if e == "visit")
    assert visit["visit_date"] == "2025-11-10"


def test_the_old_maps_records_have_their_own_ids_and_become_the_new_communes() -> None:
    old = demo_records(OLD_MAP, year=2022, tag="history-")
    new = demo_records(NEW_MAP)
    assert not {rid for _, rid, _ in old} & {rid for _, rid, _ in new}
    # A reference names the record of the same set.
    ids = {rid for _, rid, _ in old}
    model = next(f for e, _, f in old if e == "model")
    assert model["residential_area"] in ids
    legacy = load_units("legacy", "662")
    units = {fields["unit"] for _, _, fields in old}
    assert {legacy[u].name for u in units} == {"Xã Ea Pô", "Thị trấn Ea T'Ling", "Xã Đắk DRông"}
    reform = load_reform()
    assert {reform.new_code(u) for u in units} == {f["unit"] for _, _, f in new}
    assert next(f for e, _, f in old if e == "initiative")["authors"] == "Hội Nông dân xã Ea Pô"
    assert next(f for e, _, f in old if e == "activity")["date"] == "2022-11-18"
