"""SYNC.md "Pull", record shape and read scope."""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import pytest

from tests.contract import (
    DAK_WIL,
    EA_TLING,
    Client,
    assert_error,
    assert_record_shape,
    by_id,
    create_ra,
    uid,
)
from tests.support.records import record_fields


def test_pull_shape_and_record_shape(c: dict[str, Client]) -> None:
    a = c["a"]
    ra, _ = create_ra(a)
    r = a.get("/sync/pull")
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"records", "next_cursor", "has_more"}
    assert isinstance(body["next_cursor"], str) and isinstance(body["has_more"], bool)
    for rec in body["records"]:
        assert_record_shape(rec)
    rec = by_id(body["records"])[ra]
    assert rec["entity"] == "residential_area" and rec["rev"] == 1 and rec["deleted"] is False
    assert rec["fields"] == record_fields("residential_area")


def test_paging_follows_commit_order(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    cursor = b.head_cursor()
    ids = [create_ra(a)[0] for _ in range(5)]
    seen: list[str] = []
    pages = 0
    while True:
        page = b.pull(cursor, limit=2)
        assert len(page["records"]) <= 2
        seen += [r["record_id"] for r in page["records"]]
        pages += 1
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == ids
    assert pages in (3, 4)


def test_pull_returns_current_state_and_changes_after_cursor(c: dict[str, Client]) -> None:
    a, b = c["a"], c["b"]
    cursor = b.head_cursor()
    ra, _ = create_ra(a)
    a.push1(a.change("residential_area", ra, {"population": 5}, base_rev=1))
    a.push1(a.change("residential_area", ra, {"population": 6}, base_rev=2))
    recs, cursor2 = b.pull_all(cursor)
    assert [r["record_id"] for r in recs].count(ra) >= 1
    last = by_id(recs)[ra]
    assert last["rev"] == 3 and last["fields"]["population"] == 6
    # nothing new after the new cursor; then a change shows up again
    assert b.pull(cursor2)["records"] == []
    a.push1(a.change("residential_area", ra, {"population": 7}, base_rev=3))
    recs = b.pull(cursor2)["records"]
    assert [r["record_id"] for r in recs] == [ra] and recs[0]["rev"] == 4


def test_empty_page_returns_given_cursor(c: dict[str, Client]) -> None:
    a = c["a"]
    cursor = a.head_cursor()
    page = a.pull(cursor)
    assert page == {"records": [], "next_cursor": cursor, "has_more": False}
    page = a.pull(cursor, limit=1)
    assert page["next_cursor"] == cursor and page["records"] == []


def test_has_more_true_when_limit_is_reached(c: dict[str, Client]) -> None:
    a = c["a"]
    cursor = a.head_cursor()
    create_ra(a)
    create_ra(a)
    page = a.pull(cursor, limit=1)
    assert len(page["records"]) == 1 and page["has_more"] is True
    page2 = a.pull(page["next_cursor"], limit=1)
    assert len(page2["records"]) == 1
    assert page2["records"][0]["record_id"] != page["records"][0]["record_id"]


@pytest.mark.parametrize("limit", ["1", "1000", "500"])
def test_limit_in_range(c: dict[str, Client], limit: str) -> None:
    r = c["a"].get("/sync/pull", params={"limit": limit})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "limit", ["0", "1001", "-1", "abc", "1.5", "1e3", "", " 5", "99999999999999999999999", "³"]
)
def test_invalid_limit(c: dict[str, Client], limit: str) -> None:
    r = c["a"].get("/sync/pull", params={"limit": limit})
    assert_error(r, 422, "invalid_limit")


@pytest.mark.parametrize(
    "cursor", ["garbage", "0", "1", "-1", "eyJzZXEiOjB9", "a" * 2000, "%00", "\u00e9"]
)
def test_invalid_cursor(c: dict[str, Client], cursor: str) -> None:
    r = c["a"].get("/sync/pull", params={"cursor": cursor})
    assert_error(r, 400, "invalid_cursor")


def test_tampered_cursor_is_invalid(c: dict[str, Client]) -> None:
    a = c["a"]
    create_ra(a)
    cur = a.pull(limit=1)["next_cursor"]
    for bad in (cur[:-1], cur + "x", cur[:-1] + ("A" if cur[-1] != "A" else "B")):
        assert_error(a.get("/sync/pull", params={"cursor": bad}), 400, "invalid_cursor")


def test_cursor_of_another_user_and_device(c: dict[str, Client]) -> None:
    # SYNC.md is silent on whether a cursor is tied to its caller; it must at least never leak
    # records out of scope. Server choice recorded in the report.
    a, o2 = c["a"], c["o2"]
    cur = a.pull(limit=1)["next_cursor"]
    r = o2.get("/sync/pull", params={"cursor": cur})
    assert r.status_code in (200, 400)
    if r.status_code == 200:
        assert all(x["fields"].get("unit") == EA_TLING for x in r.json()["records"])
    else:
        assert_error(r, 400, "invalid_cursor")


def test_scope_of_pull(c: dict[str, Client]) -> None:
    a, o2, cs, d, adm = c["a"], c["o2"], c["commune"], c["district"], c["admin"]
    mine, _ = create_ra(a, DAK_WIL)
    theirs, _ = create_ra(o2, EA_TLING)
    recs = by_id(a.pull_all()[0])
    assert mine in recs and theirs not in recs
    assert all(r["fields"].get("unit") == DAK_WIL for r in recs.values())
    recs = by_id(o2.pull_all()[0])
    assert theirs in recs and mine not in recs
    recs = by_id(cs.pull_all()[0])
    assert mine in recs and theirs not in recs
    for who in (d, adm):
        recs = by_id(who.pull_all()[0])
        assert mine in recs and theirs in recs


def test_out_of_scope_changes_do_not_leak_through_cursor(c: dict[str, Client]) -> None:
    # nothing about other units leaks, not even counts: o2's pages are the same whatever a pushes
    a, o2 = c["a"], c["o2"]
    cursor = o2.head_cursor()
    for _ in range(3):
        create_ra(a)
    page = o2.pull(cursor, limit=1)
    assert page["records"] == [] and page["has_more"] is False


def test_review_fields_reach_the_officer(c: dict[str, Client]) -> None:
    a, cs = c["a"], c["commune"]
    ra, _ = create_ra(a)
    cursor = a.head_cursor()
    res = cs.push1(cs.change("residential_area", ra, {"review_state": "approved"}, base_rev=1))
    assert res["status"] == "applied", res
    recs = by_id(a.pull_all(cursor)[0])
    assert recs[ra]["fields"]["review_state"] == "approved"


def test_gzip_response(c: dict[str, Client]) -> None:
    a = c["a"]
    for _ in range(5):
        create_ra(a)
    with httpx.Client(base_url=a.srv.api) as raw:
        r = raw.get(
            "/sync/pull",
            headers={"Authorization": "Bearer " + a.token, "Accept-Encoding": "gzip"},
        )
        assert r.status_code == 200
        assert r.headers.get("content-encoding") == "gzip"
        assert r.json()["records"]
    # raw bytes really are gzip
    with httpx.stream(
        "GET",
        a.srv.api + "/sync/pull",
        headers={"Authorization": "Bearer " + a.token, "Accept-Encoding": "gzip"},
    ) as s:
        raw_bytes = b"".join(s.iter_raw())
    assert gzip.decompress(raw_bytes).startswith(b"{")
    # and identity when not asked for
    r = httpx.get(
        a.srv.api + "/sync/pull",
        headers={"Authorization": "Bearer " + a.token, "Accept-Encoding": "identity"},
    )
    assert r.headers.get("content-encoding") in (None, "identity")


def test_updated_at_is_utc_z_and_moves(c: dict[str, Client]) -> None:
    a = c["a"]
    ra, _ = create_ra(a)
    first = by_id(a.pull_all()[0])[ra]["updated_at"]
    a.push1(a.change("residential_area", ra, {"population": 1}, base_rev=1))
    second = by_id(a.pull_all()[0])[ra]["updated_at"]
    assert first.endswith("Z") and second.endswith("Z") and second >= first


def test_pull_after_many_pushes_no_skip(c: dict[str, Client]) -> None:
    a, b, d = c["a"], c["b"], c["district"]
    cursor = d.head_cursor()
    ids = []
    for cl in (a, b) * 3:
        changes = [
            cl.change("residential_area", uid(), record_fields("residential_area"))
            for _ in range(20)
        ]
        ids += [x["record_id"] for x in changes]
        cl.push(*changes)
    recs, _ = d.pull_all(cursor, limit=7)
    assert set(ids) <= set(by_id(recs))


def test_empty_scope(c: dict[str, Client], live_server: Any) -> None:
    from tests.conftest import PASSWORD
    from tests.support.server import add_user

    add_user(live_server, "lonely", "field_officer", "24646", PASSWORD)
    cl = Client(live_server, "lonely", "lonely-dev")
    page = cl.pull()
    assert page["records"] == [] and page["has_more"] is False
    assert isinstance(page["next_cursor"], str)
    assert cl.pull(page["next_cursor"])["next_cursor"] == page["next_cursor"]
    cl.close()
