"""``parse_change``: one change of a push, checked for shape, never raising (SYNC.md, Push)."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_schema.errors import ChangeErrorCode
from shared_schema.merge import Change
from shared_schema.wire import parse_change

DEVICE = "phone-7:a"
CHANGE_ID = "0b7f6a4e-3c2d-4e1f-9a8b-7c6d5e4f3a2b"
RECORD_ID = "7b0e1c2a-9f6d-4c3b-8a5e-2d1f0e9c8b7a"
HLC = f"1700000000000-0001-{DEVICE}"

INVALID = ChangeErrorCode.INVALID_CHANGE


def good(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "change_id": CHANGE_ID,
        "entity": "model",
        "record_id": RECORD_ID,
        "op": "upsert",
        "base_rev": 3,
        "hlc": HLC,
        "fields": {"unit": "24643", "name": "Mô hình"},
    }
    raw.update(overrides)
    return raw


def codes(raw: object) -> set[tuple[str | None, ChangeErrorCode]]:
    change, _, errors = parse_change(raw, device_id=DEVICE)
    assert (change is None) == bool(errors)
    return set(errors)


def test_good_change() -> None:
    change, cid, errors = parse_change(good(), device_id=DEVICE)
    assert errors == []
    assert cid == CHANGE_ID
    assert change == Change(
        change_id=CHANGE_ID,
        entity="model",
        record_id=RECORD_ID,
        op="upsert",
        base_rev=3,
        hlc=HLC,
        fields={"unit": "24643", "name": "Mô hình"},
    )
    assert change.device_id == DEVICE


def test_delete_without_fields() -> None:
    raw = good(op="delete", base_rev=None)
    del raw["fields"]
    change, _, errors = parse_change(raw, device_id=DEVICE)
    assert errors == [] and change is not None
    assert change.fields == {} and change.op == "delete"
    assert codes(good(op="delete", fields={})) == set()


def test_base_rev_may_be_missing_or_null() -> None:
    raw = good()
    del raw["base_rev"]
    assert codes(raw) == set()
    assert codes(good(base_rev=None)) == set()
    assert codes(good(base_rev=0)) == set()


def test_uuids_are_case_insensitive() -> None:
    change, cid, errors = parse_change(
        good(change_id=CHANGE_ID.upper(), record_id=RECORD_ID.upper()), device_id=DEVICE
    )
    assert errors == [] and change is not None
    assert cid == CHANGE_ID.upper()  # echoed as the client sent it
    assert change.change_id == CHANGE_ID and change.record_id == RECORD_ID


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"op": "patch"}, {("op", INVALID)}),
        ({"op": None}, {("op", INVALID)}),
        ({"op": ["upsert"]}, {("op", INVALID)}),
        ({"hlc": "yesterday"}, {("hlc", INVALID)}),
        ({"hlc": 1700000000000}, {("hlc", INVALID)}),
        ({"hlc": "١٧٠٠٠٠٠٠٠٠٠٠٠-0001-" + DEVICE}, {("hlc", INVALID)}),
        ({"hlc": "1700000000000-0001-other"}, {("hlc", ChangeErrorCode.DEVICE_MISMATCH)}),
        ({"hlc": "1700000000000-0001-phone-7"}, {("hlc", ChangeErrorCode.DEVICE_MISMATCH)}),
        ({"base_rev": -1}, {("base_rev", INVALID)}),
        ({"base_rev": "3"}, {("base_rev", INVALID)}),
        ({"base_rev": 3.0}, {("base_rev", INVALID)}),
        ({"base_rev": True}, {("base_rev", INVALID)}),
        ({"base_rev": 2**70}, {("base_rev", INVALID)}),
        ({"record_id": "not-a-uuid"}, {("record_id", INVALID)}),
        ({"record_id": 12}, {("record_id", INVALID)}),
        ({"record_id": RECORD_ID + "0"}, {("record_id", INVALID)}),
        ({"entity": "household"}, {("entity", ChangeErrorCode.UNKNOWN_ENTITY)}),
        ({"entity": "Model"}, {("entity", ChangeErrorCode.UNKNOWN_ENTITY)}),
        ({"entity": 5}, {("entity", INVALID)}),
        ({"entity": None}, {("entity", INVALID)}),
        ({"fields": None}, {("fields", INVALID)}),
        ({"fields": ["unit", "24643"]}, {("fields", INVALID)}),
        ({"fields": "unit=24643"}, {("fields", INVALID)}),
        ({"fields": {"x": float("nan")}}, {("fields", INVALID)}),
        ({"fields": {"x": float("inf")}}, {("fields", INVALID)}),
        ({"op": "delete", "fields": {"name": "x"}}, {("fields", INVALID)}),
        ({"surprise": 1}, {("surprise", INVALID)}),
    ],
)
def test_each_malformed_part(overrides: dict[str, Any], expected: set[Any]) -> None:
    assert codes(good(**overrides)) == expected


def test_upsert_without_fields() -> None:
    raw = good()
    del raw["fields"]
    assert codes(raw) == {("fields", INVALID)}


def test_deeply_nested_fields_refused() -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = [deep]
    assert codes(good(fields={"notes": deep})) == {("fields", INVALID)}


@pytest.mark.parametrize("change_id", [None, "", "nope", 42, CHANGE_ID + "x", [CHANGE_ID]])
def test_change_id_null_when_missing_or_not_uuid(change_id: object) -> None:
    change, cid, errors = parse_change(good(change_id=change_id), device_id=DEVICE)
    assert change is None and cid is None
    assert ("change_id", INVALID) in errors
    raw = good()
    del raw["change_id"]
    change, cid, errors = parse_change(raw, device_id=DEVICE)
    assert change is None and cid is None and errors == [("change_id", INVALID)]


def test_change_id_kept_when_other_parts_are_bad() -> None:
    change, cid, errors = parse_change(good(op="nope", entity="x"), device_id=DEVICE)
    assert change is None and cid == CHANGE_ID
    assert set(errors) == {("op", INVALID), ("entity", ChangeErrorCode.UNKNOWN_ENTITY)}


@pytest.mark.parametrize("raw", [None, [], "change", 1, 1.5, True, [good()]])
def test_not_an_object(raw: object) -> None:
    assert parse_change(raw, device_id=DEVICE) == (None, None, [(None, INVALID)])


def test_field_values_nfc() -> None:
    decomposed = "Chê\u0301 bie\u0302\u0301n thi\u0323t lơ\u0323n"
    change, _, errors = parse_change(
        good(fields={"name": decomposed, "tags": [decomposed], "te\u0302n": {"k": decomposed}}),
        device_id=DEVICE,
    )
    assert errors == [] and change is not None
    nfc = unicodedata.normalize("NFC", decomposed)
    assert change.fields == {"name": nfc, "tags": [nfc], "tên": {"k": nfc}}
    assert nfc == "Chế biến thịt lợn"


# ---------------------------------------------------------------------------- never raises
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
part = {
    "change_id": st.sampled_from([CHANGE_ID, CHANGE_ID.upper()]) | json_values,
    "entity": st.sampled_from(["model", "visit", "evidence", "nope"]) | json_values,
    "record_id": st.just(RECORD_ID) | json_values,
    "op": st.sampled_from(["upsert", "delete"]) | json_values,
    "base_rev": st.none() | st.integers() | json_values,
    "hlc": st.sampled_from([HLC, "1700000000000-0001-x"]) | st.text() | json_values,
    "fields": st.dictionaries(st.text(), json_values, max_size=4) | json_values,
}
changes = (
    st.fixed_dictionaries({}, optional=part) | json_values | st.dictionaries(st.text(), json_values)
)


def _check(raw: object) -> None:
    change, cid, errors = parse_change(raw, device_id=DEVICE)
    assert (change is None) == bool(errors)
    assert cid is None or isinstance(cid, str)
    assert all(isinstance(c, ChangeErrorCode) for _, c in errors)
    assert all(f is None or (isinstance(f, str) and len(f) <= 64) for f, _ in errors)
    if change is not None:
        assert isinstance(raw, dict)
        assert cid is not None and change.change_id == cid.lower()
        assert change.op in ("upsert", "delete")
        assert change.device_id == DEVICE
        # storable as JSON, no NaN, and every string in NFC
        assert json.loads(json.dumps(change.fields, allow_nan=False)) == change.fields
        text = json.dumps(change.fields, ensure_ascii=False)
        assert unicodedata.is_normalized("NFC", text)


@settings(max_examples=1000)
@given(changes)
def test_parse_change_never_raises(raw: object) -> None:
    _check(raw)


@settings(max_examples=500)
@given(st.text(max_size=2000))
def test_parse_change_never_raises_on_json_text(text: str) -> None:
    try:
        raw = json.loads(text)
    except ValueError:
        return
    _check(raw)


@settings(max_examples=300)
@given(st.fixed_dictionaries({}, optional=part))
def test_every_error_names_a_part(raw: dict[str, Any]) -> None:
    _, _, errors = parse_change(raw, device_id=DEVICE)
    for name, code in errors:
        assert name in part or name is None
        if code in (ChangeErrorCode.UNKNOWN_ENTITY,):
            assert name == "entity"
        if code is ChangeErrorCode.DEVICE_MISMATCH:
            assert name == "hlc"
