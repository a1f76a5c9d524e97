"""SYNC.md: "no input ever gets a 500" — odd values inside changes and odd requests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract import (
    Client,
    assert_error,
    assert_result_shape,
    by_id,
    create_ra,
    uid,
)
from tests.support.records import record_fields

CHANGE_CODES = {
    "invalid_value", "required", "unknown_field", "unknown_entity", "unknown_form",
    "out_of_scope", "record_deleted", "unit_immutable", "forbidden_field", "clock_skew",
    "device_mismatch", "change_id_reused", "invalid_change",
}  # fmt: skip


ODD_VALUES = [
    ("name", "a\x00b"),
    ("name", "\ud800"),
    ("name", {"nested": [1, 2, {"x": None}]}),
    ("name", ["Thôn"]),
    ("name", True),
    ("households", 10**30),
    ("households", -(10**30)),
    ("households", 1e308),
    ("households", True),
    ("households", "12"),
    ("kind", None),
    ("kind", ["thon"]),
    ("unit", 24643),
    ("unit", "24643 "),
    ("unit", ""),
]


@pytest.mark.parametrize("field,value", ODD_VALUES, ids=[f"{f}-{v!r:.20}" for f, v in ODD_VALUES])
def test_odd_values_on_create(c: dict[str, Client], field: str, value: Any) -> None:
    a = c["a"]
    rid = uid()
    r = a.push_raw(
        [a.change("residential_area", rid, {**record_fields("residential_area"), field: value})]
    )
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        assert_error(r, 400, "invalid_request")
        return
    res = r.json()["results"][0]
    assert_result_shape(res)
    assert codes_ok(res), res
    if res["status"] == "rejected":
        assert {e["field"] for e in res["errors"]} <= {field, None}, res


def codes_ok(res: dict[str, Any]) -> bool:
    return {e["code"] for e in res["errors"]} <= CHANGE_CODES


@pytest.mark.parametrize(
    "field,value",
    [
        ("start_date", "2024-02-30"),
        ("start_date", "1900-01-01"),
        ("start_date", "01/02/2024"),
        ("start_date", 20240101),
        ("productivity_gain_pct", 1000.5),
        ("productivity_gain_pct", "NaN"),
        ("location", {"lat": 91, "lon": 0, "accuracy": None, "altitude": None}),
        ("location", {"lat": 10, "lon": 181, "accuracy": None, "altitude": None}),
        ("location", {"lat": 10}),
        ("location", [10, 107]),
        ("location", "10 107"),
        ("linked_campaigns", ["nope"]),
        ("linked_campaigns", "cultural_life"),
        ("content_area", 1),
        ("residential_area", "not-a-uuid"),
    ],
)
def test_invalid_values_of_model(c: dict[str, Client], field: str, value: Any) -> None:
    a = c["a"]
    ra, _ = create_ra(a)
    res = a.push1(
        a.change("model", uid(), {**record_fields("model", residential_area=ra), field: value})
    )
    assert res["status"] == "rejected", res
    assert "invalid_value" in {e["code"] for e in res["errors"]}, res
    assert {e["field"] for e in res["errors"]} == {field}, res


def test_nan_and_infinity_literals(c: dict[str, Client]) -> None:
    a = c["a"]
    for lit in (b"NaN", b"Infinity", b"-Infinity"):
        ch = a.change("residential_area", uid(), record_fields("residential_area"))
        import json

        body = json.dumps({"device_id": a.device, "changes": [ch]}).replace(
            '"kind": "thon"', '"kind": "thon", "households": ' + lit.decode()
        )
        r = a.request(
            "POST",
            "/sync/push",
            content=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code in (200, 400), r.text
        if r.status_code == 200:
            assert r.json()["results"][0]["status"] == "rejected"
        else:
            assert_error(r, 400, "invalid_request")


def test_deeply_nested_body(c: dict[str, Client]) -> None:
    a = c["a"]
    body = '{"device_id": "dev-a", "changes": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    r = a.request("POST", "/sync/push", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (200, 400), r.text[:300]


@pytest.mark.parametrize(
    "hlc_value",
    [
        "9999999999999-0000-dev-a",
        "0000000000000-0000-dev-a",
        "1700000000000-9999-dev-a",
        "1700000000000-0000-" + "x" * 65,
        "1700000000000-0000-dev a",
        "１７００００００００００００-0000-dev-a",
    ],
)
def test_odd_hlc(c: dict[str, Client], hlc_value: str) -> None:
    a = c["a"]
    res = a.push1(
        a.change("residential_area", uid(), record_fields("residential_area"), hlc_=hlc_value)
    )
    assert_result_shape(res)
    assert codes_ok(res), res


@pytest.mark.parametrize("base_rev", [10**20, -(10**20), 2**63, True, [], {}])
def test_odd_base_rev(c: dict[str, Client], base_rev: Any) -> None:
    a = c["a"]
    ra, _ = create_ra(a)
    ch = a.change("residential_area", ra, {"population": 1})
    ch["base_rev"] = base_rev
    res = a.push1(ch)
    assert_result_shape(res)
    assert codes_ok(res), res
    if not isinstance(base_rev, int) or isinstance(base_rev, bool) or base_rev < 0:
        assert res["status"] == "rejected" and {e["code"] for e in res["errors"]} == {
            "invalid_change"
        }, res


def test_uppercase_record_id_is_one_record(c: dict[str, Client]) -> None:
    # A UUID in upper case names the same UUID; SYNC.md does not say whether the server must
    # canonicalize. It must at least not end up with two live records for one UUID.
    a = c["a"]
    rid = uid()
    r1 = a.push1(a.change("residential_area", rid.upper(), record_fields("residential_area")))
    r2 = a.push1(a.change("residential_area", rid, {"population": 4}, base_rev=1))
    recs = [r for r in a.pull_all()[0] if r["record_id"].lower() == rid]
    assert r1["status"] in ("applied", "rejected") and r2["status"] in ("applied", "rejected")
    assert len({r["record_id"] for r in recs}) <= 1, recs


@pytest.mark.parametrize("device_id", ["x" * 10_000, "", "dev-a\x00"])
def test_odd_body_device_id(c: dict[str, Client], device_id: str) -> None:
    a = c["a"]
    r = a.push_raw([], device_id=device_id)
    assert_error(r, 400, "invalid_request")


def test_empty_push_is_fine(c: dict[str, Client]) -> None:
    r = c["a"].push_raw([])
    assert r.status_code == 200 and r.json() == {"results": []}


def test_admin_push_unknown_unit(c: dict[str, Client]) -> None:
    adm = c["admin"]
    res = adm.push1(
        adm.change("residential_area", uid(), record_fields("residential_area", "99999"))
    )
    assert res["status"] == "rejected"
    assert {e["code"] for e in res["errors"]} & {"invalid_value", "out_of_scope"}, res


def test_null_byte_in_text_roundtrip_or_rejected(c: dict[str, Client]) -> None:
    a = c["a"]
    rid = uid()
    res = a.push1(
        a.change(
            "residential_area",
            rid,
            {**record_fields("residential_area"), "head_of_work_group": "a\x00b"},
        )
    )
    if res["status"] == "applied":
        assert by_id(a.pull_all()[0])[rid]["fields"]["head_of_work_group"] == "a\x00b"
    else:
        assert {e["code"] for e in res["errors"]} == {"invalid_value"}, res
