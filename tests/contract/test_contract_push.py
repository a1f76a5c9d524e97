"""SYNC.md "Push", "Merge rules", per-change codes, duplicates, conflicts, deletes."""

from __future__ import annotations

import concurrent.futures
import gzip
import json
import unicodedata
from typing import Any

import pytest

from tests.contract import (
    DAK_WIL,
    EA_TLING,
    Client,
    assert_error,
    assert_result_shape,
    by_id,
    codes,
    create_model,
    create_ra,
    hlc,
    uid,
)
from tests.support.records import record_fields


def state(cl: Client, rid: str) -> dict[str, Any]:
    recs = by_id(cl.pull_all()[0])
    return recs[rid]


# -- whole-request 400 / 413 ----------------------------------------------------------------------


def test_push_answer_shape_and_order(c: dict[str, Client]) -> None:
    a = c["a"]
    ids = [uid() for _ in range(3)]
    ch = [a.change("residential_area", i, record_fields("residential_area")) for i in ids]
    ch.insert(1, a.change("no_such_entity", uid(), {}))
    r = a.push_raw(ch)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"results"}
    res = body["results"]
    assert [x["change_id"] for x in res] == [x["change_id"] for x in ch]
    for x in res:
        assert_result_shape(x)
    assert [x["status"] for x in res] == ["applied", "rejected", "applied", "applied"]
    assert all(x["rev"] == 1 for x in res if x["status"] == "applied")
    assert all(x["conflicts"] == [] for x in res)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"device_id": "dev-a", "changes": [',
        b"\xff\xfe{}",
        b"[]",
        b'"string"',
        b'{"device_id": "dev-a", "changes": {}}',
        b'{"device_id": "dev-a", "changes": "x"}',
        b'{"device_id": "dev-a"}',
        b'{"changes": []}',
        b'{"device_id": 7, "changes": []}',
        b'{"device_id": null, "changes": []}',
    ],
)
def test_push_malformed_body_is_400(c: dict[str, Client], body: bytes) -> None:
    r = c["a"].request(
        "POST", "/sync/push", content=body, headers={"Content-Type": "application/json"}
    )
    assert_error(r, 400, "invalid_request")


def test_push_not_utf8_is_400(c: dict[str, Client]) -> None:
    body = '{"device_id": "dev-a", "changes": [], "x": "é"}'.encode("latin-1")
    r = c["a"].request(
        "POST", "/sync/push", content=body, headers={"Content-Type": "application/json"}
    )
    assert_error(r, 400, "invalid_request")


def test_push_other_device_id_is_400_nothing_applied(c: dict[str, Client]) -> None:
    a = c["a"]
    rid = uid()
    r = a.push_raw(
        [a.change("residential_area", rid, record_fields("residential_area"))], device_id="dev-b"
    )
    assert_error(r, 400, "invalid_request")
    assert rid not in by_id(a.pull_all()[0])


def test_push_batch_too_large_nothing_applied(c: dict[str, Client]) -> None:
    a = c["a"]
    rid = uid()
    changes = [a.change("residential_area", rid, record_fields("residential_area"))]
    changes += [
        a.change("residential_area", uid(), record_fields("residential_area")) for _ in range(1000)
    ]
    r = a.push_raw(changes)
    assert_error(r, 413, "batch_too_large")
    assert rid not in by_id(a.pull_all()[0])


def test_push_exactly_1000_changes_is_fine(c: dict[str, Client]) -> None:
    a = c["a"]
    changes = [
        a.change("residential_area", uid(), record_fields("residential_area")) for _ in range(1000)
    ]
    res = a.push(*changes)
    assert {x["status"] for x in res} == {"applied"}


def test_push_gzip_body(c: dict[str, Client]) -> None:
    a = c["a"]
    rid = uid()
    body = json.dumps(
        {
            "device_id": a.device,
            "changes": [a.change("residential_area", rid, record_fields("residential_area"))],
        }
    )
    r = a.request(
        "POST",
        "/sync/push",
        content=gzip.compress(body.encode()),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["results"][0]["status"] == "applied"


def test_push_bad_gzip_is_400(c: dict[str, Client]) -> None:
    r = c["a"].request(
        "POST",
        "/sync/push",
        content=b"\x1f\x8b\x08\x00garbage-not-gzip",
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert_error(r, 400, "invalid_request")


def test_push_gzip_over_64mib_decompressed_is_413(c: dict[str, Client]) -> None:
    a = c["a"]
    pad = b'{"device_id": "dev-a", "changes": [], "pad": "' + b"a" * (65 * 1024 * 1024) + b'"}'
    r = a.request(
        "POST",
        "/sync/push",
        content=gzip.compress(pad, 1),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert_error(r, 413, "body_too_large")


def test_push_plain_over_64mib_is_413(c: dict[str, Client]) -> None:
    a = c["a"]
    pad = b'{"device_id": "dev-a", "changes": [], "pad": "' + b"a" * (65 * 1024 * 1024) + b'"}'
    r = a.request("POST", "/sync/push", content=pad, headers={"Content-Type": "application/json"})
    assert_error(r, 413, "body_too_large")


# -- per-change codes ---------------------------------------------------------------------------


def test_missing_or_bad_change_id_comes_back_null(c: dict[str, Client]) -> None:
    a = c["a"]
    ch1 = a.change("residential_area", uid(), record_fields("residential_area"))
    del ch1["change_id"]
    ch2 = a.change("residential_area", uid(), record_fields("residential_area"))
    ch2["change_id"] = "not-a-uuid"
    ch3 = a.change("residential_area", uid(), record_fields("residential_area"))
    ch3["change_id"] = 12345
    ok = a.change("residential_area", uid(), record_fields("residential_area"))
    res = a.push(ch1, ch2, ch3, ok)
    for x in res[:3]:
        assert_result_shape(x)
        assert x["status"] == "rejected" and x["change_id"] is None and x["rev"] is None
    assert res[3]["status"] == "applied"


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda ch: ch.update(op="merge"), id="bad-op"),
        pytest.param(lambda ch: ch.pop("op"), id="no-op"),
        pytest.param(lambda ch: ch.update(hlc="12345-0001-dev-a"), id="hlc-short-ms"),
        pytest.param(lambda ch: ch.update(hlc="1700000000000-1-dev-a"), id="hlc-short-counter"),
        pytest.param(lambda ch: ch.update(hlc="1700000000000-0001"), id="hlc-no-device"),
        pytest.param(lambda ch: ch.update(hlc=1700000000000), id="hlc-int"),
        pytest.param(lambda ch: ch.pop("hlc"), id="hlc-missing"),
        pytest.param(lambda ch: ch.update(base_rev="1"), id="base_rev-str"),
        pytest.param(lambda ch: ch.update(base_rev=-1), id="base_rev-negative"),
        pytest.param(lambda ch: ch.update(base_rev=1.5), id="base_rev-float"),
        pytest.param(lambda ch: ch.update(record_id="abc"), id="record_id-not-uuid"),
        pytest.param(lambda ch: ch.update(record_id=None), id="record_id-null"),
        pytest.param(lambda ch: ch.update(fields=["name"]), id="fields-list"),
        pytest.param(lambda ch: ch.update(fields=None), id="fields-null"),
    ],
)
def test_invalid_change(c: dict[str, Client], mutate: Any) -> None:
    a = c["a"]
    ch = a.change("residential_area", uid(), record_fields("residential_area"))
    mutate(ch)
    good = a.change("residential_area", uid(), record_fields("residential_area"))
    res = a.push(ch, good)
    assert_result_shape(res[0])
    assert res[0]["status"] == "rejected"
    assert res[0]["change_id"] == ch["change_id"]
    assert codes(res[0]) == {"invalid_change"}, res[0]
    assert res[1]["status"] == "applied"


def test_record_id_of_another_entity_is_invalid_change(c: dict[str, Client]) -> None:
    # SYNC.md: "invalid_change is a change that is itself malformed (... or a record_id that
    # exists as another entity)" — also when it carries the other form's fields.
    a = c["a"]
    ra, _ = create_ra(a)
    other, _ = create_ra(a)
    res = a.push1(a.change("model", ra, {"name": "x"}, base_rev=1))
    assert res["status"] == "rejected" and codes(res) == {"invalid_change"}, res
    res = a.push1(a.change("model", ra, record_fields("model", residential_area=other)))
    assert res["status"] == "rejected" and codes(res) == {"invalid_change"}, res


def test_unknown_entity(c: dict[str, Client]) -> None:
    a = c["a"]
    res = a.push1(a.change("spaceship", uid(), record_fields("residential_area")))
    assert res["status"] == "rejected" and codes(res) == {"unknown_entity"}, res


@pytest.mark.parametrize(
    "form", [("dkst_nope", 1), ("dkst_residential_area", 99)], ids=["form_id", "version"]
)
def test_unknown_form(c: dict[str, Client], form: tuple[str, int]) -> None:
    a = c["a"]
    f = record_fields("residential_area")
    f["form_id"], f["form_version"] = form
    res = a.push1(a.change("residential_area", uid(), f))
    assert res["status"] == "rejected" and "unknown_form" in codes(res), res


def test_unknown_field(c: dict[str, Client]) -> None:
    a = c["a"]
    res = a.push1(
        a.change("residential_area", uid(), {**record_fields("residential_area"), "colour": "red"})
    )
    assert res["status"] == "rejected"
    assert [(e["field"], e["code"]) for e in res["errors"]] == [("colour", "unknown_field")]


@pytest.mark.parametrize(
    "field,value",
    [
        ("households", "many"),
        ("households", -1),
        ("households", 1.5),
        ("kind", "castle"),
        ("name", 123),
        ("name", "x" * 201),
        ("unit", "662"),
    ],
)
def test_invalid_value(c: dict[str, Client], field: str, value: Any) -> None:
    # ``unit`` "662" is the district: a record's unit is "the code of the commune".
    cl = c["district"]
    res = cl.push1(
        cl.change("residential_area", uid(), {**record_fields("residential_area"), field: value})
    )
    assert res["status"] == "rejected", res
    assert ("invalid_value" in codes(res)) and {e["field"] for e in res["errors"]} == {field}, res


def test_invalid_value_on_update(c: dict[str, Client]) -> None:
    a = c["a"]
    ra, _ = create_ra(a)
    res = a.push1(a.change("residential_area", ra, {"population": "lots"}, base_rev=1))
    assert res["status"] == "rejected" and codes(res) == {"invalid_value"}, res


def test_required_on_create(c: dict[str, Client]) -> None:
    a = c["a"]
    f = record_fields("residential_area")
    del f["name"]
    res = a.push1(a.change("residential_area", uid(), f))
    assert res["status"] == "rejected"
    assert ("name", "required") in {(e["field"], e["code"]) for e in res["errors"]}, res


def test_required_where_relevant(c: dict[str, Client]) -> None:
    a = c["a"]
    ra, _ = create_ra(a)
    f = {**record_fields("model", residential_area=ra), "status": "stopped"}
    res = a.push1(a.change("model", uid(), f))
    assert res["status"] == "rejected"
    assert ("stop_reason", "required") in {(e["field"], e["code"]) for e in res["errors"]}, res
    f["stop_reason"] = "hết vốn"
    assert a.push1(a.change("model", uid(), f))["status"] == "applied"
    # not relevant: operating without stop_reason is fine (create_model does that)
    create_model(a)


@pytest.mark.parametrize("empty", [None, ""])
def test_update_may_not_empty_required(c: dict[str, Client], empty: Any) -> None:
    a = c["a"]
    ra, _ = create_ra(a)
    res = a.push1(a.change("residential_area", ra, {"name": empty}, base_rev=1))
    assert res["status"] == "rejected" and codes(res) == {"required"}, res
    # an optional field may be emptied
    res = a.push1(a.change("residential_area", ra, {"households": None}, base_rev=1))
    assert res["status"] == "applied", res


def test_update_is_checked_field_by_field(c: dict[str, Client]) -> None:
    a = c["a"]
    ra, _ = create_ra(a)
    res = a.push1(a.change("residential_area", ra, {"population": 250}, base_rev=1))
    assert res["status"] == "applied" and res["rev"] == 2, res


def test_out_of_scope_write(c: dict[str, Client]) -> None:
    a, o2 = c["a"], c["o2"]
    res = a.push1(a.change("residential_area", uid(), record_fields("residential_area", EA_TLING)))
    assert res["status"] == "rejected" and codes(res) == {"out_of_scope"}, res
    # an existing record of another unit: update and delete are out_of_scope too
    ra, _ = create_ra(a)
    res = o2.push1(o2.change("residential_area", ra, {"population": 5}, base_rev=1))
    assert res["status"] == "rejected" and codes(res) == {"out_of_scope"}, res
    res = o2.push1(o2.delete("residential_area", ra, base_rev=1))
    assert res["status"] == "rejected" and codes(res) == {"out_of_scope"}, res
    assert state(a, ra)["deleted"] is False and state(a, ra)["rev"] == 1


def test_every_role_may_push_within_subtree(c: dict[str, Client]) -> None:
    for who in ("a", "commune", "district", "admin"):
        create_ra(c[who], DAK_WIL)
    for who in ("district", "admin"):
        create_ra(c[who], EA_TLING)


def test_unit_immutable(c: dict[str, Client]) -> None:
    d = c["district"]
    ra, _ = create_ra(d, DAK_WIL)
    res = d.push1(d.change("residential_area", ra, {"unit": EA_TLING}, base_rev=1))
    assert res["status"] == "rejected" and codes(res) == {"unit_immutable"}, res
    assert state(d, ra)["fields"]["unit"] == DAK_WIL


def test_review_fields_forbidden_for_officer(c: dict[str, Client]) -> None:
    a, cs = c["a"], c["commune"]
    ra, _ = create_ra(a)
    for f in ({"review_state": "approved"}, {"review_comment": "ok"}):
        res = a.push1(a.change("residential_area", ra, f, base_rev=1))
        assert res["status"] == "rejected" and codes(res) == {"forbidden_field"}, res
    res = a.push1(
        a.change(
            "residential_area",
            uid(),
            {**record_fields("residential_area"), "review_state": "pending"},
        )
    )
    assert res["status"] == "rejected" and "forbidden_field" in codes(res), res
    res = cs.push1(
        cs.change(
            "residential_area",
            ra,
            {"review_state": "returned", "review_comment": "sửa"},
            base_rev=1,
        )
    )
    assert res["status"] == "applied", res
    rec = state(a, ra)
    assert rec["fields"]["review_state"] == "returned" and rec["fields"]["review_comment"] == "sửa"
    res = cs.push1(cs.change("residential_area", ra, {"review_state": "maybe"}, base_rev=2))
    assert res["status"] == "rejected" and codes(res) == {"invalid_value"}, res


def test_clock_skew(c: dict[str, Client]) -> None:
    a = c["a"]
    ahead = a.change(
        "residential_area",
        uid(),
        record_fields("residential_area"),
        hlc_=hlc(a.device, offset_ms=25 * 3600_000),
    )
    res = a.push1(ahead)
    assert res["status"] == "rejected" and codes(res) == {"clock_skew"}, res
    # a little ahead is fine; far in the past is accepted
    soon = a.change(
        "residential_area",
        uid(),
        record_fields("residential_area"),
        hlc_=hlc(a.device, offset_ms=3600_000),
    )
    past = a.change(
        "residential_area",
        uid(),
        record_fields("residential_area"),
        hlc_="0000000000001-0000-dev-a",
    )
    assert [x["status"] for x in a.push(soon, past)] == ["applied", "applied"]


def test_far_past_hlc_is_accepted_and_loses(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    ra, _ = create_ra(a, name="mới")
    res = b.push1(
        b.change(
            "residential_area", ra, {"name": "cũ"}, base_rev=1, hlc_="0000000000001-0000-dev-b"
        )
    )
    # base_rev 1 covers the write at rev 1: no conflict, but the old value loses; rev still goes up
    assert res["status"] == "applied" and res["conflicts"] == [] and res["rev"] == 2, res
    assert state(a, ra)["fields"]["name"] == "mới"
    res = b.push1(
        b.change(
            "residential_area", ra, {"name": "cũ"}, base_rev=0, hlc_="0000000000002-0000-dev-b"
        )
    )
    assert res["status"] == "conflict" and res["conflicts"] == ["name"] and res["rev"] == 3, res
    assert state(a, ra)["fields"]["name"] == "mới"


def test_device_mismatch(c: dict[str, Client]) -> None:
    a = c["a"]
    res = a.push1(
        a.change("residential_area", uid(), record_fields("residential_area"), hlc_=hlc("dev-b"))
    )
    assert res["status"] == "rejected" and codes(res) == {"device_mismatch"}, res


# -- duplicates ---------------------------------------------------------------------------------


def test_duplicate_returns_first_outcome(c: dict[str, Client]) -> None:
    a = c["a"]
    rid = uid()
    ch = a.change("residential_area", rid, record_fields("residential_area"))
    first = a.push1(ch)
    assert first["status"] == "applied" and first["rev"] == 1
    a.push1(a.change("residential_area", rid, {"population": 3}, base_rev=1))
    again = a.push1(ch)
    assert again == {**first, "status": "duplicate"}, (first, again)
    assert state(a, rid)["rev"] == 2


def test_duplicate_returns_first_conflicts(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    ra, _ = create_ra(a, name="A")
    ch = b.change("residential_area", ra, {"name": "B"}, base_rev=0)
    first = b.push1(ch)
    assert first["status"] == "conflict" and first["conflicts"] == ["name"], first
    a.push1(a.change("residential_area", ra, {"name": "C"}, base_rev=first["rev"]))
    again = b.push1(ch)
    assert again["status"] == "duplicate"
    assert again["rev"] == first["rev"] and again["conflicts"] == ["name"], again
    assert state(a, ra)["fields"]["name"] == "C"


def test_duplicate_within_one_batch_and_whole_batch_resend(c: dict[str, Client]) -> None:
    a = c["a"]
    chs = [a.change("residential_area", uid(), record_fields("residential_area")) for _ in range(3)]
    first = a.push(*chs)
    again = a.push(*chs)
    assert [x["status"] for x in again] == ["duplicate"] * 3
    assert [x["rev"] for x in again] == [x["rev"] for x in first]


def test_concurrent_copies_are_safe(c: dict[str, Client]) -> None:
    a = c["a"]
    ra, _ = create_ra(a)
    chs = [a.change("residential_area", ra, {"population": i}, base_rev=1) for i in range(1, 6)]
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        outs = list(ex.map(lambda _: a.push(*chs), range(4)))
    for i in range(5):
        statuses = [o[i]["status"] for o in outs]
        assert statuses.count("applied") + statuses.count("conflict") == 1, statuses
        assert {o[i]["rev"] for o in outs} == {outs[0][i]["rev"]}
    assert state(a, ra)["rev"] == 6


def test_change_id_reused_with_other_content(c: dict[str, Client]) -> None:
    a = c["a"]
    ch = a.change("residential_area", uid(), record_fields("residential_area"))
    assert a.push1(ch)["status"] == "applied"
    other = {**ch, "fields": {**ch["fields"], "name": "khác"}}
    res = a.push1(other)
    assert res["status"] == "rejected" and codes(res) == {"change_id_reused"}, res
    assert res["change_id"] == ch["change_id"]


def test_rejected_is_not_remembered(c: dict[str, Client]) -> None:
    a = c["a"]
    rid = uid()
    update = a.change("residential_area", rid, {"population": 9})
    res = a.push1(update)  # the record is new: a create needs every required field
    assert res["status"] == "rejected" and "required" in codes(res), res
    a.push1(a.change("residential_area", rid, record_fields("residential_area")))
    res = a.push1(update)  # checked again, now a valid update
    assert res["status"] == "applied" and res["rev"] == 2, res
    assert a.push1(update)["status"] == "duplicate"


# -- conflicts ----------------------------------------------------------------------------------


def test_no_conflict_when_base_rev_covers_the_write(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    ra, _ = create_ra(a, name="A")
    res = b.push1(b.change("residential_area", ra, {"name": "B"}, base_rev=1))
    assert res["status"] == "applied" and res["conflicts"] == [] and res["rev"] == 2


def test_conflict_incoming_wins(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    ra, _ = create_ra(a, name="A")
    b.push1(b.change("residential_area", ra, {"name": "B"}, base_rev=1))  # rev 2 by dev-b
    res = a.push1(a.change("residential_area", ra, {"name": "A2", "population": 7}, base_rev=1))
    assert res["status"] == "conflict" and res["conflicts"] == ["name"] and res["rev"] == 3, res
    rec = state(a, ra)
    assert rec["fields"]["name"] == "A2" and rec["fields"]["population"] == 7 and rec["rev"] == 3


def test_conflict_incoming_loses(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    ra, _ = create_ra(a, name="A")
    old = hlc(b.device)  # taken before a's write: it will lose
    a.push1(a.change("residential_area", ra, {"name": "A2"}, base_rev=1))  # rev 2, dev-a
    res = b.push1(b.change("residential_area", ra, {"name": "B"}, base_rev=1, hlc_=old))
    assert res["status"] == "conflict" and res["conflicts"] == ["name"] and res["rev"] == 3, res
    rec = state(a, ra)
    assert rec["fields"]["name"] == "A2" and rec["rev"] == 3


def test_base_rev_null_counts_as_zero(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    ra, _ = create_ra(a, name="A")
    res = b.push1(b.change("residential_area", ra, {"name": "B"}, base_rev=None))
    assert res["status"] == "conflict" and res["conflicts"] == ["name"], res


def test_same_value_is_no_conflict(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    ra, _ = create_ra(a, name="A")
    res = b.push1(b.change("residential_area", ra, {"name": "A"}, base_rev=0))
    assert res["status"] == "applied" and res["conflicts"] == [], res


def test_same_device_is_no_conflict(c: dict[str, Client]) -> None:
    a = c["a"]
    ra, _ = create_ra(a, name="A")
    res = a.push1(a.change("residential_area", ra, {"name": "A2"}, base_rev=0))
    assert res["status"] == "applied" and res["conflicts"] == [], res


def test_same_user_other_device_is_a_conflict(c: dict[str, Client]) -> None:
    # "by another device": the officer's two phones conflict with each other
    a, b = c["a"], c["b"]
    ra, _ = create_ra(a, name="A")
    res = b.push1(b.change("residential_area", ra, {"name": "B"}, base_rev=0))
    assert res["status"] == "conflict"


def test_conflict_only_lists_fields_this_change_sets(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    ra, _ = create_ra(a, name="A")
    a.push1(a.change("residential_area", ra, {"population": 10}, base_rev=1))
    res = b.push1(b.change("residential_area", ra, {"households": 3}, base_rev=1))
    assert res["status"] == "applied" and res["conflicts"] == [], res


def test_merge_order_independent(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    r1, _ = create_ra(a, name="X")
    r2, _ = create_ra(a, name="X")
    h_old, h_new = hlc(a.device), hlc(b.device)
    ca = a.change("residential_area", r1, {"name": "from-a"}, base_rev=1, hlc_=h_old)
    cb = b.change("residential_area", r1, {"name": "from-b"}, base_rev=1, hlc_=h_new)
    a.push1(ca)
    b.push1(cb)
    ca2 = {**ca, "change_id": uid(), "record_id": r2}
    cb2 = {**cb, "change_id": uid(), "record_id": r2}
    b.push1(cb2)
    a.push1(ca2)
    assert state(a, r1)["fields"]["name"] == state(a, r2)["fields"]["name"] == "from-b"


# -- deletes ------------------------------------------------------------------------------------


def test_delete_stores_tombstone_pulled_by_everyone_in_scope(c: dict[str, Client]) -> None:
    a, b, d = c["a"], c["b"], c["district"]
    cursor = b.head_cursor()
    ra, _ = create_ra(a)
    res = a.push1(a.delete("residential_area", ra, base_rev=1))
    assert res["status"] == "applied" and res["rev"] == 2, res
    recs = by_id(b.pull_all(cursor)[0])
    assert recs[ra]["deleted"] is True and recs[ra]["rev"] == 2
    assert by_id(d.pull_all()[0])[ra]["deleted"] is True


def test_upsert_after_tombstone_is_record_deleted(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    ra, _ = create_ra(a)
    a.push1(a.delete("residential_area", ra, base_rev=1))
    # even with a higher HLC and from another device: deletes win
    res = b.push1(b.change("residential_area", ra, {"population": 1}, base_rev=2))
    assert res["status"] == "rejected" and codes(res) == {"record_deleted"}, res


def test_delete_of_unknown_record(c: dict[str, Client]) -> None:
    a, adm = c["a"], c["admin"]
    before_a, before_adm = a.head_cursor(), adm.head_cursor()
    rid = uid()
    res = a.push1(a.delete("residential_area", rid))
    assert res["status"] == "applied" and res["rev"] == 1, res
    assert rid not in by_id(a.pull_all(before_a)[0])
    assert rid not in by_id(adm.pull_all(before_adm)[0])
    assert rid not in by_id(adm.pull_all()[0])
    late = a.push1(a.change("residential_area", rid, record_fields("residential_area")))
    assert late["status"] == "rejected" and codes(late) == {"record_deleted"}, late


def test_delete_out_of_scope_unknown_for_other_officer(c: dict[str, Client]) -> None:
    # tombstone of a never-seen record by one officer blocks a late create by anyone
    a, o2 = c["a"], c["o2"]
    rid = uid()
    assert a.push1(a.delete("residential_area", rid))["status"] == "applied"
    res = o2.push1(o2.change("residential_area", rid, record_fields("residential_area", EA_TLING)))
    assert res["status"] == "rejected" and codes(res) == {"record_deleted"}, res


# -- strings ------------------------------------------------------------------------------------


def test_strings_are_stored_nfc(c: dict[str, Client]) -> None:
    a = c["a"]
    nfd = unicodedata.normalize("NFD", "Thôn Đắk Wil Buôn Ða")
    assert nfd != unicodedata.normalize("NFC", nfd)
    rid = uid()
    res = a.push1(
        a.change("residential_area", rid, {**record_fields("residential_area"), "name": nfd})
    )
    assert res["status"] == "applied", res
    assert state(a, rid)["fields"]["name"] == unicodedata.normalize("NFC", nfd)


def test_nfd_choice_value_is_normalized_not_refused(c: dict[str, Client]) -> None:
    a = c["a"]
    rid = uid()
    nfd_name = unicodedata.normalize("NFD", "Tổ dân phố")
    res = a.push1(
        a.change(
            "residential_area",
            rid,
            {**record_fields("residential_area"), "head_of_work_group": nfd_name},
        )
    )
    assert res["status"] == "applied", res
    assert state(a, rid)["fields"]["head_of_work_group"] == "Tổ dân phố"


def test_geopoint_and_references_round_trip(c: dict[str, Client]) -> None:
    a = c["a"]
    ra, _ = create_ra(a)
    mid = uid()
    loc = {"lat": 12.72, "lon": 107.88, "accuracy": None, "altitude": None}
    res = a.push1(
        a.change("model", mid, {**record_fields("model", residential_area=ra), "location": loc})
    )
    assert res["status"] == "applied", res
    f = state(a, mid)["fields"]
    assert f["residential_area"] == ra and f["location"]["lat"] == 12.72
    assert f["form_id"] == "dkst_model" and f["form_version"] == 1 and f["unit"] == DAK_WIL
