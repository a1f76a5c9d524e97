"""GET /sync/pull: cursor paging, scope, tombstones, errors — through real HTTP."""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import pytest

from tests.server.helpers import change, client, error_code, new_id, pull_all, push, record_fields


def test_pages_follow_the_cursor_in_commit_order(live_server: Any) -> None:
    c, dev = client(live_server, "officer")
    _, start = pull_all(c)
    ids = [new_id() for _ in range(25)]
    push(c, dev, [change(dev, record_id=r) for r in ids])
    seen: list[str] = []
    cursor = start
    pages = 0
    while True:
        body = c.get("/sync/pull", params={"cursor": cursor, "limit": 10}).json()
        assert set(body) == {"records", "next_cursor", "has_more"}
        seen += [r["record_id"] for r in body["records"]]
        cursor, pages = body["next_cursor"], pages + 1
        if not body["has_more"]:
            break
    assert seen == ids and pages == 3
    rec = c.get("/sync/pull", params={"cursor": start, "limit": 1}).json()["records"][0]
    assert set(rec) == {"entity", "record_id", "rev", "fields", "deleted", "updated_at"}
    assert (
        rec["updated_at"].endswith("Z") and rec["entity"] == "residential_area" and rec["rev"] == 1
    )


def test_an_empty_page_returns_the_cursor_it_was_given(live_server: Any) -> None:
    c, _ = client(live_server, "officer")
    _, cursor = pull_all(c)
    body = c.get("/sync/pull", params={"cursor": cursor}).json()
    assert body == {"records": [], "next_cursor": cursor, "has_more": False}


def test_an_edited_record_comes_again_with_its_new_state(live_server: Any) -> None:
    c, dev = client(live_server, "officer")
    rid = new_id()
    push(c, dev, [change(dev, record_id=rid)])
    _, cursor = pull_all(c)
    push(c, dev, [change(dev, {"households": 77}, record_id=rid, base_rev=1)])
    records, _ = pull_all(c, cursor)
    assert [(r["record_id"], r["rev"], r["fields"]["households"]) for r in records] == [
        (rid, 2, 77)
    ]


def test_scope_limits_what_is_pulled(live_server: Any) -> None:
    a, dev_a = client(live_server, "officer")  # Đắk Wil 24643
    b, dev_b = client(live_server, "officer2")  # Ea T'Ling 24640
    mine, theirs = new_id(), new_id()
    push(a, dev_a, [change(dev_a, record_id=mine)])
    push(
        b, dev_b, [change(dev_b, record_fields("residential_area", unit="24640"), record_id=theirs)]
    )
    a_ids = {r["record_id"] for r in pull_all(a)[0]}
    b_ids = {r["record_id"] for r in pull_all(b)[0]}
    assert mine in a_ids and theirs not in a_ids
    assert theirs in b_ids and mine not in b_ids
    for who in ("district", "admin"):
        c, _ = client(live_server, who)
        ids = {r["record_id"] for r in pull_all(c)[0]}
        assert {mine, theirs} <= ids


def test_tombstones_are_pulled(live_server: Any) -> None:
    c, dev = client(live_server, "officer")
    rid = new_id()
    push(c, dev, [change(dev, record_id=rid)])
    _, cursor = pull_all(c)
    push(c, dev, [change(dev, record_id=rid, op="delete", base_rev=1)])
    records, _ = pull_all(c, cursor)
    assert [(r["record_id"], r["deleted"], r["rev"]) for r in records] == [(rid, True, 2)]


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "abc", "1.5", "", "99999999999999999999"])
def test_limit_out_of_range_is_422_invalid_limit(live_server: Any, limit: str) -> None:
    c, _ = client(live_server, "officer")
    r = c.get("/sync/pull", params={"limit": limit})
    assert r.status_code == 422 and error_code(r) == "invalid_limit"


@pytest.mark.parametrize("limit", ["1", "1000"])
def test_limit_bounds_are_accepted(live_server: Any, limit: str) -> None:
    c, _ = client(live_server, "officer")
    assert c.get("/sync/pull", params={"limit": limit}).status_code == 200


@pytest.mark.parametrize(
    "cursor", ["abc", "c1.5.AAAA", "c1.-1.x", "c1.99999999999999999999999.x", "🙂"]
)
def test_a_cursor_the_server_did_not_issue_is_400(live_server: Any, cursor: str) -> None:
    c, _ = client(live_server, "officer")
    r = c.get("/sync/pull", params={"cursor": cursor})
    assert r.status_code == 400 and error_code(r) == "invalid_cursor"


def test_a_cursor_works_for_another_user_without_leaking(live_server: Any) -> None:
    a, dev_a = client(live_server, "officer")
    b, _ = client(live_server, "officer2")
    _, cursor = pull_all(a)
    push(a, dev_a, [change(dev_a)])
    assert b.get("/sync/pull", params={"cursor": cursor}).json()["records"] == []


def test_response_is_gzipped_when_asked(live_server: Any) -> None:
    c, dev = client(live_server, "officer")
    push(c, dev, [change(dev) for _ in range(20)])
    with httpx.stream(
        "GET", live_server.api + "/sync/pull", headers={**c.headers, "Accept-Encoding": "gzip"}
    ) as r:
        raw = b"".join(r.iter_raw())
        assert r.headers["content-encoding"] == "gzip"
    assert b'"records"' in gzip.decompress(raw)
