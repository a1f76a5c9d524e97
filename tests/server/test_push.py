"""POST /sync/push: every per-change status and code of SYNC.md, through real HTTP."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import unicodedata
from typing import Any
from urllib.parse import urlparse

import httpx
import orjson
import pytest

from shared_schema.hlc import parse_hlc
from tests.server.helpers import (
    change,
    client,
    error_code,
    hlc,
    new_id,
    pull_all,
    push,
    record_fields,
)


@pytest.fixture(scope="module")
def officer(live_server: Any) -> tuple[httpx.Client, str]:
    return client(live_server, "officer")


def _db(live_server: Any):  # type: ignore[no-untyped-def]
    from server.db.engine import make_engine

    return make_engine(live_server.settings().db_url)


def _count_changes(live_server: Any, change_id: str) -> int:
    from sqlalchemy import func, select

    from server.db.schema import changes

    engine = _db(live_server)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).where(changes.c.change_id == change_id)).scalar_one()
    engine.dispose()
    return int(n)


def test_create_then_edit_is_applied_with_rising_rev(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    rid = new_id()
    r1 = push(c, dev, [change(dev, record_id=rid)])
    assert r1[0]["status"] == "applied" and r1[0]["rev"] == 1
    assert r1[0]["conflicts"] == [] and r1[0]["errors"] == []
    r2 = push(c, dev, [change(dev, {"households": 120}, record_id=rid, base_rev=1)])
    assert r2[0] == {
        "change_id": r2[0]["change_id"],
        "status": "applied",
        "rev": 2,
        "conflicts": [],
        "errors": [],
    }


def test_results_keep_the_order_of_changes_and_one_bad_change_does_not_stop_the_others(
    officer: tuple[httpx.Client, str],
) -> None:
    c, dev = officer
    batch = [
        change(dev),
        {"nonsense": True},
        change(dev, record_fields("residential_area", kind="castle")),
        change(dev),
    ]
    results = push(c, dev, batch)
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "applied"]
    assert [r["change_id"] for r in results] == [
        batch[0]["change_id"],
        None,
        batch[2]["change_id"],
        batch[3]["change_id"],
    ]
    assert results[1]["rev"] is None
    assert (
        results[2]["errors"][0]["code"] == "invalid_value"
        and results[2]["errors"][0]["field"] == "kind"
    )


def test_resent_batch_is_duplicate_and_changes_nothing(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    c, dev = officer
    rid = new_id()
    batch = [
        change(dev, record_id=rid),
        change(dev, {"population": 500}, record_id=rid, base_rev=1),
    ]
    first = push(c, dev, batch)
    again = push(c, dev, batch)
    assert [r["status"] for r in first] == ["applied", "applied"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert [r["rev"] for r in again] == [r["rev"] for r in first] == [1, 2]
    assert _count_changes(live_server, batch[0]["change_id"]) == 1


def test_same_change_twice_in_one_batch_is_a_duplicate(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    ch = change(dev)
    assert [r["status"] for r in push(c, dev, [ch, ch])] == ["applied", "duplicate"]


def test_two_copies_at_the_same_moment_apply_once(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    c, dev = officer
    batch = [change(dev) for _ in range(50)]
    out: list[list[dict[str, Any]]] = []
    barrier = threading.Barrier(4)

    def send() -> None:
        barrier.wait()
        out.append(push(c, dev, batch))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(50):
        statuses = sorted(res[i]["status"] for res in out)
        assert statuses == ["applied", "duplicate", "duplicate", "duplicate"], statuses
    assert _count_changes(live_server, batch[7]["change_id"]) == 1


def test_change_id_reused_with_other_content(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    ch = change(dev)
    push(c, dev, [ch])
    other = {**ch, "fields": record_fields("residential_area", name="Thôn khác")}
    r = push(c, dev, [other])[0]
    assert r["status"] == "rejected" and r["errors"][0]["code"] == "change_id_reused"


def test_rejected_change_is_checked_again_when_resent(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    bad = change(dev, record_fields("residential_area", kind="castle"))
    assert push(c, dev, [bad])[0]["status"] == "rejected"
    assert (
        push(c, dev, [bad])[0]["status"] == "rejected"
    )  # not "duplicate": only applied outcomes are kept


def test_conflict_is_merged_and_both_values_kept(live_server: Any) -> None:
    a, dev_a = client(live_server, "officer")
    b, dev_b = client(live_server, "commune")
    rid = new_id()
    assert push(a, dev_a, [change(dev_a, record_id=rid)])[0]["rev"] == 1
    # Both edit offline from rev 1; B syncs first, then A.
    ch_b = change(dev_b, {"name": "Thôn 3 (B)"}, record_id=rid, base_rev=1)
    ch_a = change(dev_a, {"name": "Thôn 3 (A)", "households": 40}, record_id=rid, base_rev=1)
    rb = push(b, dev_b, [ch_b])[0]
    assert rb["status"] == "applied" and rb["rev"] == 2
    ra = push(a, dev_a, [ch_a])[0]
    assert ra["status"] == "conflict" and ra["rev"] == 3 and ra["conflicts"] == ["name"]
    records, _ = pull_all(a)
    rec = next(r for r in records if r["record_id"] == rid)
    assert rec["fields"]["name"] == "Thôn 3 (A)"  # the later HLC wins
    assert rec["fields"]["households"] == 40
    # The losing value is kept for a reviewer.
    from sqlalchemy import select

    from server.db.schema import conflicts

    engine = _db(live_server)
    with engine.connect() as conn:
        rows = conn.execute(select(conflicts).where(conflicts.c.record_id == rid)).mappings().all()
    engine.dispose()
    assert len(rows) == 1
    assert orjson.loads(rows[0]["losing_value"]) == "Thôn 3 (B)"
    assert orjson.loads(rows[0]["winning_value"]) == "Thôn 3 (A)"


def test_conflict_is_reported_also_when_the_incoming_value_loses(live_server: Any) -> None:
    a, dev_a = client(live_server, "officer")
    b, dev_b = client(live_server, "commune")
    rid = new_id()
    push(a, dev_a, [change(dev_a, record_id=rid)])
    early = hlc(dev_a)  # A edits first (earlier HLC) but syncs last
    late = hlc(dev_b)
    while parse_hlc(late).ms <= parse_hlc(early).ms:  # B's edit a millisecond later at least
        late = hlc(dev_b)
    push(b, dev_b, [change(dev_b, {"name": "Tên mới của B"}, record_id=rid, base_rev=1, hlc_=late)])
    r = push(
        a, dev_a, [change(dev_a, {"name": "Tên cũ của A"}, record_id=rid, base_rev=1, hlc_=early)]
    )[0]
    assert r["status"] == "conflict" and r["conflicts"] == ["name"]
    rec = next(x for x in pull_all(a)[0] if x["record_id"] == rid)
    assert rec["fields"]["name"] == "Tên mới của B"


def test_same_device_overwrite_or_up_to_date_base_is_no_conflict(live_server: Any) -> None:
    a, dev_a = client(live_server, "officer")
    b, dev_b = client(live_server, "commune")
    rid = new_id()
    push(a, dev_a, [change(dev_a, record_id=rid)])
    assert (
        push(a, dev_a, [change(dev_a, {"name": "A1"}, record_id=rid, base_rev=1)])[0]["status"]
        == "applied"
    )
    assert (
        push(a, dev_a, [change(dev_a, {"name": "A2"}, record_id=rid, base_rev=1)])[0]["status"]
        == "applied"
    )
    assert (
        push(b, dev_b, [change(dev_b, {"name": "B"}, record_id=rid, base_rev=3)])[0]["status"]
        == "applied"
    )


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        (record_fields("residential_area", kind="castle"), "kind", "invalid_value"),
        (record_fields("residential_area", households=-3), "households", "invalid_value"),
        (record_fields("residential_area", households="many"), "households", "invalid_value"),
        (
            {k: v for k, v in record_fields("residential_area").items() if k != "name"},
            "name",
            "required",
        ),
        (record_fields("residential_area", colour="blue"), "colour", "unknown_field"),
        (record_fields("residential_area", form_id="no_such_form"), "form_id", "unknown_form"),
        (record_fields("residential_area", form_version=99), "form_id", "unknown_form"),
        (
            record_fields("residential_area", unit="24640"),
            "unit",
            "out_of_scope",
        ),  # Ea T'Ling: another commune
        (record_fields("residential_area", unit="99999"), "unit", "out_of_scope"),
        (
            record_fields("residential_area", review_state="approved"),
            "review_state",
            "forbidden_field",
        ),
        (record_fields("residential_area", name="x" * 10_000_000), "name", "invalid_value"),
    ],
)
def test_rejected_codes_on_create(
    officer: tuple[httpx.Client, str], fields: dict[str, Any], field: str, code: str
) -> None:
    c, dev = officer
    r = push(c, dev, [change(dev, fields)])[0]
    assert r["status"] == "rejected" and r["rev"] is None
    assert (field, code) in [(e["field"], e["code"]) for e in r["errors"]], r["errors"]
    assert all(e["message"] for e in r["errors"])


def test_form_of_another_entity_is_unknown_form(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    r = push(c, dev, [change(dev, record_fields("residential_area"), entity="model")])[0]
    assert r["status"] == "rejected" and r["errors"][0]["code"] in ("unknown_form", "required")


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda ch, dev: {**ch, "entity": "spaceship"}, "unknown_entity"),
        (lambda ch, dev: {**ch, "op": "merge"}, "invalid_change"),
        (lambda ch, dev: {**ch, "hlc": "yesterday"}, "invalid_change"),
        (lambda ch, dev: {**ch, "base_rev": -1}, "invalid_change"),
        (lambda ch, dev: {**ch, "base_rev": "1"}, "invalid_change"),
        (lambda ch, dev: {**ch, "record_id": "not-a-uuid"}, "invalid_change"),
        (lambda ch, dev: {**ch, "fields": ["name"]}, "invalid_change"),
        (
            lambda ch, dev: {**ch, "hlc": ch["hlc"].rsplit("-", 1)[0] + "-someone-else"},
            "device_mismatch",
        ),
        (
            lambda ch, dev: {
                **ch,
                "hlc": f"{int(time.time() * 1000) + 25 * 3600 * 1000:013d}-0000-{dev}",
            },
            "clock_skew",
        ),
    ],
)
def test_rejected_codes_for_malformed_changes(
    officer: tuple[httpx.Client, str], mutate: Any, code: str
) -> None:
    c, dev = officer
    r = push(c, dev, [mutate(change(dev), dev)])[0]
    assert r["status"] == "rejected"
    assert code in [e["code"] for e in r["errors"]], r["errors"]


def test_change_without_uuid_change_id_comes_back_null(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    for bad in (None, 42, "abc"):
        ch = change(dev)
        ch["change_id"] = bad
        r = push(c, dev, [ch])[0]
        assert r["change_id"] is None and r["status"] == "rejected"
    ch = change(dev)
    del ch["change_id"]
    assert push(c, dev, [ch])[0]["change_id"] is None


def test_far_past_hlc_is_accepted_and_loses(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    rid = new_id()
    push(c, dev, [change(dev, record_id=rid)])
    old = f"{int(time.time() * 1000) - 3 * 24 * 3600 * 1000:013d}-0000-{dev}"
    r = push(c, dev, [change(dev, {"name": "Ghi cũ"}, record_id=rid, base_rev=1, hlc_=old)])[0]
    assert r["status"] == "applied"
    rec = next(x for x in pull_all(c)[0] if x["record_id"] == rid)
    assert rec["fields"]["name"] == "Thôn Đoàn Kết"


def test_edit_checks_against_the_merged_state(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    rid = new_id()
    push(c, dev, [change(dev, record_id=rid)])
    cases = [
        ({"name": None}, "name", "required"),
        ({"name": ""}, "name", "required"),
        ({"unit": "24640"}, "unit", "unit_immutable"),
        ({"households": 1.5}, "households", "invalid_value"),
        ({"form_version": 2}, "form_version", "invalid_value"),
        ({"review_comment": "ok"}, "review_comment", "forbidden_field"),
    ]
    for fields, field, code in cases:
        r = push(c, dev, [change(dev, fields, record_id=rid, base_rev=1)])[0]
        assert r["status"] == "rejected", (fields, r)
        assert (field, code) in [(e["field"], e["code"]) for e in r["errors"]], (
            fields,
            r["errors"],
        )
    ok = push(
        c, dev, [change(dev, {"unit": "24643", "households": 10}, record_id=rid, base_rev=1)]
    )[0]
    assert ok["status"] == "applied"


def test_record_id_of_another_entity_is_invalid_change(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    rid = new_id()
    push(c, dev, [change(dev, record_id=rid)])
    r = push(c, dev, [change(dev, {"name": "x"}, record_id=rid, entity="activity", base_rev=1)])[0]
    assert r["status"] == "rejected" and r["errors"][0]["code"] == "invalid_change"


def test_commune_staff_may_review(live_server: Any) -> None:
    o, dev_o = client(live_server, "officer")
    s, dev_s = client(live_server, "commune")
    rid = new_id()
    push(o, dev_o, [change(dev_o, record_id=rid)])
    r = push(
        s,
        dev_s,
        [
            change(
                dev_s,
                {"review_state": "returned", "review_comment": "Thiếu ảnh minh chứng"},
                record_id=rid,
                base_rev=1,
            )
        ],
    )[0]
    assert r["status"] == "applied"
    bad = push(s, dev_s, [change(dev_s, {"review_state": "lost"}, record_id=rid, base_rev=2)])[0]
    assert bad["status"] == "rejected" and bad["errors"][0]["code"] == "invalid_value"
    rec = next(x for x in pull_all(o)[0] if x["record_id"] == rid)
    assert rec["fields"]["review_state"] == "returned"
    assert rec["fields"]["review_comment"] == "Thiếu ảnh minh chứng"


def test_write_outside_scope_is_out_of_scope(live_server: Any) -> None:
    a, dev_a = client(live_server, "officer")  # Đắk Wil
    b, dev_b = client(live_server, "officer2")  # Ea T'Ling
    rid = new_id()
    push(a, dev_a, [change(dev_a, record_id=rid)])
    for ch in (
        change(dev_b, {"name": "x"}, record_id=rid, base_rev=1),
        change(dev_b, record_id=rid, op="delete"),
    ):
        r = push(b, dev_b, [ch])[0]
        assert r["status"] == "rejected" and r["errors"][0]["code"] == "out_of_scope"
    district, dev_d = client(live_server, "district")
    assert (
        push(district, dev_d, [change(dev_d, {"name": "Huyện sửa"}, record_id=rid, base_rev=1)])[0][
            "status"
        ]
        == "applied"
    )


def test_delete_wins(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    rid = new_id()
    push(c, dev, [change(dev, record_id=rid)])
    d = push(c, dev, [change(dev, record_id=rid, op="delete", base_rev=1)])[0]
    assert d["status"] == "applied" and d["rev"] == 2
    late = push(c, dev, [change(dev, {"name": "muộn"}, record_id=rid, base_rev=1)])[0]
    assert late["status"] == "rejected" and late["errors"][0]["code"] == "record_deleted"
    rec = next(x for x in pull_all(c)[0] if x["record_id"] == rid)
    assert rec["deleted"] is True


def test_delete_of_unknown_record_blocks_a_late_create(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    c, dev = officer
    rid = new_id()
    d = push(c, dev, [change(dev, record_id=rid, op="delete")])[0]
    assert d["status"] == "applied" and d["rev"] == 1
    late = push(c, dev, [change(dev, record_id=rid)])[0]
    assert late["status"] == "rejected" and late["errors"][0]["code"] == "record_deleted"
    district, _ = client(live_server, "admin")
    assert rid not in {x["record_id"] for x in pull_all(district)[0]}  # no unit: no one pulls it


def test_delete_with_fields_is_invalid_change(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    r = push(c, dev, [change(dev, {"name": "x"}, op="delete")])[0]
    assert r["status"] == "rejected" and r["errors"][0]["code"] == "invalid_change"


def test_text_is_stored_in_nfc(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    rid = new_id()
    decomposed = unicodedata.normalize("NFD", "Thôn Đoàn Kết Sáng Tạo")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    push(c, dev, [change(dev, record_fields("residential_area", name=decomposed), record_id=rid)])
    rec = next(x for x in pull_all(c)[0] if x["record_id"] == rid)
    assert rec["fields"]["name"] == unicodedata.normalize("NFC", decomposed)


# ---------------------------------------------------------------------------- whole-request errors
@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe{}",
        b'{"device_id": "x", "changes": []',
        b"[]",
        b'{"changes": []}',
        b'{"device_id": 5, "changes": []}',
        b'{"device_id": "DEV", "changes": {}}',
        b'{"device_id": "DEV", "changes": [], "extra": 1}',
        b'{"device_id": "DEV", "changes": [NaN]}',
    ],
)
def test_malformed_body_is_400_and_nothing_applied(
    officer: tuple[httpx.Client, str], body: bytes
) -> None:
    c, dev = officer
    r = c.post(
        "/sync/push",
        content=body.replace(b"DEV", dev.encode()),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert error_code(r) == "invalid_request"


def test_batch_over_1000_is_413_and_nothing_applied(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    c, dev = officer
    batch = [change(dev) for _ in range(1001)]
    r = c.post("/sync/push", json={"device_id": dev, "changes": batch})
    assert r.status_code == 413 and error_code(r) == "batch_too_large"
    assert _count_changes(live_server, batch[0]["change_id"]) == 0
    ok = push(c, dev, batch[:1000])
    assert all(x["status"] == "applied" for x in ok)


def test_gzip_body_is_accepted(officer: tuple[httpx.Client, str]) -> None:
    c, dev = officer
    body = gzip.compress(orjson.dumps({"device_id": dev, "changes": [change(dev)]}))
    r = c.post(
        "/sync/push",
        content=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "applied"


def test_gzip_bomb_is_413(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    bomb = gzip.compress(b'{"device_id": "' + b" " * (65 * 1024 * 1024) + b'"}', compresslevel=9)
    assert len(bomb) < 200_000
    r = c.post(
        "/sync/push",
        content=bomb,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and error_code(r) == "body_too_large"


def test_bad_gzip_is_400(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    r = c.post("/sync/push", content=b"not gzip", headers={"Content-Encoding": "gzip"})
    assert r.status_code == 400 and error_code(r) == "invalid_request"


def test_a_2gb_content_length_is_refused_before_reading(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    c, _ = officer
    token = c.headers["Authorization"]
    u = urlparse(live_server.url)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(
            b"POST /api/v1/sync/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Authorization: {token}\r\n".encode()
            + b"Content-Length: 2147483648\r\n\r\n{"
        )
        # Headers and body may come in separate packets: read until the body is complete.
        raw = b""
        while b"\r\n\r\n" not in raw or b"body_too_large" not in raw:
            piece = s.recv(65536)
            if not piece:
                break
            raw += piece
        head = raw.decode("latin-1")
    assert head.startswith("HTTP/1.1 413"), head
    assert "body_too_large" in head
    assert httpx.get(live_server.api + "/health").status_code == 200  # still serving


def test_wrong_method_is_405(officer: tuple[httpx.Client, str]) -> None:
    c, _ = officer
    r = c.get("/sync/push")
    assert r.status_code == 405 and error_code(r) == "method_not_allowed"


def test_records_belong_to_a_commune(live_server: Any) -> None:
    c, dev = client(live_server, "district")
    r = push(c, dev, [change(dev, record_fields("residential_area", unit="662"))])[
        0
    ]  # the district itself
    assert r["status"] == "rejected" and (r["errors"][0]["field"], r["errors"][0]["code"]) == (
        "unit",
        "invalid_value",
    )
    assert (
        push(c, dev, [change(dev, record_fields("residential_area", unit="24640"))])[0]["status"]
        == "applied"
    )
