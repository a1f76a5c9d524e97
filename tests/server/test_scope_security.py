"""Issue 7: the scope line, tokens and devices, as an outside tester crosses them.

Two districts are imported (Cư Jút 662 and Đắk Mil 663). Users of Đắk Mil try every endpoint on
what Cư Jút holds; revoked devices and expired tokens try every endpoint; device ids are shared
across districts. Each test failed on the code before the fix it names.
"""

from __future__ import annotations

import socket
import time
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.server.helpers import (
    change,
    client,
    error_code,
    hlc,
    new_id,
    pull_all,
    push,
)
from tests.server.test_attachments import make_file, push_evidence, upload
from tests.support.records import record_fields
from tests.support.server import DAK_LAO, DAK_WIL, add_user, dkst, login

PASSWORD = "mật-khẩu-đủ-dài"


def _status(res: dict[str, Any]) -> tuple[str, list[str]]:
    return res["status"], [e["code"] for e in res["errors"]]


@pytest.fixture(scope="module")
def officer(live_server: Any) -> Iterator[tuple[httpx.Client, str]]:
    c, dev = client(live_server, "officer")
    yield c, dev
    c.close()


@pytest.fixture(scope="module")
def outsider(live_server: Any) -> Iterator[tuple[httpx.Client, str]]:
    """A field officer of Xã Đắk Lao, in the other district."""
    c, dev = client(live_server, "officer_mil")
    yield c, dev
    c.close()


def _rev_of(c: httpx.Client, record_id: str) -> int | None:
    records, _ = pull_all(c)
    revs = [r["rev"] for r in records if r["record_id"] == record_id]
    return revs[-1] if revs else None


# ---------------------------------------------------------------------------- tombstones
def test_upsert_on_a_deleted_record_of_another_scope_is_out_of_scope(
    officer: tuple[httpx.Client, str], outsider: tuple[httpx.Client, str]
) -> None:
    (oc, od), (xc, xd) = officer, outsider
    rid = new_id()
    assert push(oc, od, [change(od, record_id=rid)])[0]["status"] == "applied"
    assert push(oc, od, [change(od, None, record_id=rid, op="delete")])[0]["status"] == "applied"
    # Before the fix: record_deleted, which told the outsider the record exists.
    for fields in ({"name": "Thôn lạ"}, record_fields("residential_area", DAK_LAO)):
        [res] = push(xc, xd, [change(xd, fields, record_id=rid)])
        assert _status(res) == ("rejected", ["out_of_scope"])
    # The owner still learns of the deletion.
    [res] = push(oc, od, [change(od, {"name": "Thôn mới"}, record_id=rid)])
    assert _status(res) == ("rejected", ["record_deleted"])


def test_delete_of_a_deleted_record_of_another_scope_changes_nothing(
    officer: tuple[httpx.Client, str], outsider: tuple[httpx.Client, str]
) -> None:
    (oc, od), (xc, xd) = officer, outsider
    rid = new_id()
    push(oc, od, [change(od, record_id=rid)])
    push(oc, od, [change(od, None, record_id=rid, op="delete")])
    rev = _rev_of(oc, rid)
    # Before the fix: applied, and the owner's tombstone got a new rev.
    [res] = push(xc, xd, [change(xd, None, record_id=rid, op="delete")])
    assert _status(res) == ("rejected", ["out_of_scope"])
    assert _rev_of(oc, rid) == rev


def test_writes_on_a_live_record_of_another_scope_are_out_of_scope(
    officer: tuple[httpx.Client, str], outsider: tuple[httpx.Client, str]
) -> None:
    (oc, od), (xc, xd) = officer, outsider
    rid = new_id()
    push(oc, od, [change(od, record_id=rid)])
    for ch in (
        change(xd, {"name": "x"}, record_id=rid),
        change(xd, None, record_id=rid, op="delete"),
        change(xd, record_fields("residential_area", DAK_LAO), record_id=rid, entity="model"),
    ):
        assert _status(push(xc, xd, [ch])[0]) == ("rejected", ["out_of_scope"])
    assert _rev_of(oc, rid) == 1


def test_a_late_create_of_a_never_seen_tombstone_checks_scope_first(
    officer: tuple[httpx.Client, str], outsider: tuple[httpx.Client, str]
) -> None:
    (oc, od), (xc, xd) = officer, outsider
    rid = new_id()
    assert push(oc, od, [change(od, None, record_id=rid, op="delete")])[0]["status"] == "applied"
    [res] = push(xc, xd, [change(xd, record_fields("residential_area", DAK_WIL), record_id=rid)])
    assert _status(res) == ("rejected", ["out_of_scope"])
    [res] = push(oc, od, [change(od, record_fields("residential_area", DAK_WIL), record_id=rid)])
    assert _status(res) == ("rejected", ["record_deleted"])


# ---------------------------------------------------------------------------- change ids
def test_a_change_id_of_another_scope_is_not_revealed(
    officer: tuple[httpx.Client, str], outsider: tuple[httpx.Client, str]
) -> None:
    (oc, od), (xc, xd) = officer, outsider
    cid = new_id()
    mine = change(od, record_id=new_id(), change_id=cid)
    assert push(oc, od, [mine])[0]["status"] == "applied"
    # Another user's change_id is neither "duplicate" nor "change_id_reused": before the fix
    # both answers told the outsider that the id existed. The owner's change, replayed from the
    # outsider's device, is out of scope; a change of their own under that id simply applies.
    replay = {**mine, "hlc": hlc(xd)}
    assert _status(push(xc, xd, [replay])[0]) == ("rejected", ["out_of_scope"])
    theirs = change(xd, record_fields("residential_area", DAK_LAO), change_id=cid)
    assert _status(push(xc, xd, [theirs])[0]) == ("applied", [])
    # For its own user the id still means what it meant.
    assert push(oc, od, [mine])[0]["status"] == "duplicate"
    reused = change(od, record_id=new_id(), change_id=cid)
    assert _status(push(oc, od, [reused])[0]) == ("rejected", ["change_id_reused"])


# ---------------------------------------------------------------------------- device ids
def _works(_srv: Any, c: httpx.Client) -> bool:
    r = c.get("/units")
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


def test_a_device_id_used_across_districts(live_server: Any) -> None:
    victim_dev = "shared-" + new_id()[:8]
    victim = login(live_server, "officer", PASSWORD, victim_dev)
    # A district staff member of Đắk Mil logs in with the victim's device id...
    intruder = login(live_server, "district_mil", PASSWORD, victim_dev)
    # ...and revokes it: that reaches only the intruder's own use of the id (before the fix: the
    # victim's device, since revocation followed the device's last user).
    intruder_admin = login(live_server, "district_mil", PASSWORD, "mil-desk-" + new_id()[:8])
    r = intruder_admin.post(f"/admin/devices/{victim_dev}/revoke")
    assert r.status_code == 204, r.text
    assert _works(live_server, victim)
    assert not _works(live_server, intruder)
    # The intruder's login did not hide the device from Cư Jút's staff (before the fix: 404).
    district = login(live_server, "district", PASSWORD, "cujut-desk-" + new_id()[:8])
    r = district.post(f"/admin/devices/{victim_dev}/revoke")
    assert r.status_code == 204, r.text
    assert not _works(live_server, victim)
    assert error_code(
        httpx.post(
            live_server.api + "/auth/token",
            data={"username": "officer", "password": PASSWORD, "device_id": victim_dev},
        )
    ) == ("device_revoked")
    # Idempotent for the staff who can reach it; 404 for those who cannot.
    assert district.post(f"/admin/devices/{victim_dev}/revoke").status_code == 204
    outsider_dev = "only-mil-" + new_id()[:8]
    login(live_server, "officer_mil", PASSWORD, outsider_dev).close()
    r = district.post(f"/admin/devices/{outsider_dev}/revoke")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    for c in (victim, intruder, intruder_admin, district):
        c.close()


def test_one_phone_of_a_commune_carries_several_users(live_server: Any) -> None:
    phone = "commune-phone-" + new_id()[:8]
    a = login(live_server, "officer", PASSWORD, phone)
    b = login(live_server, "commune", PASSWORD, phone)
    assert _works(live_server, a) and _works(live_server, b)
    # The server's own CLI reaches every user of the device.
    dkst("devices", "revoke", phone, env=live_server.env)
    assert not _works(live_server, a) and not _works(live_server, b)
    listed = dkst("devices", "list", env=live_server.env).stdout
    line = next(x for x in listed.splitlines() if x.startswith(phone))
    assert "commune!" in line and "officer!" in line and "revoked" in line
    a.close()
    b.close()


def test_revoking_users_stops_at_the_district_line(live_server: Any) -> None:
    mil = login(live_server, "district_mil", PASSWORD, "mil-" + new_id()[:8])
    for name in ("officer", "commune", "district"):
        r = mil.post(f"/admin/users/{name}/revoke")
        assert (r.status_code, error_code(r)) == (404, "not_found")
    # A decomposed name is put in NFC before the lookup: a clean 404, never a 500.
    r = mil.post("/admin/users/" + unicodedata.normalize("NFD", "cán_bộ") + "/revoke")
    assert (r.status_code, error_code(r)) == (404, "not_found")
    mil.close()


# ---------------------------------------------------------------------------- every endpoint
@pytest.fixture(scope="module")
def holdings(live_server: Any, officer: tuple[httpx.Client, str]) -> dict[str, Any]:
    """What Cư Jút holds: an area and an evidence file, uploaded by a Đắk Wil officer."""
    oc, od = officer
    rid = new_id()
    push(oc, od, [change(od, record_id=rid)])
    data, sha = make_file(20_000)
    assert upload(oc, sha, data).status_code == 201
    push_evidence(oc, od, sha, len(data))
    district, _ = client(live_server, "district")
    plan = district.post("/plans", json=_PLAN | {"number": f"{rid[:6]}/KH-MTTQ-BTT"})
    assert plan.status_code == 201, plan.text
    district.close()
    return {
        "record_id": rid,
        "sha": sha,
        "data": data,
        "device": od,
        "plan_id": plan.json()["plan_id"],
    }


# A plan of Cư Jút (issue 10): Đắk Mil neither sees it nor issues one in Cư Jút's name.
_PLAN = {
    "title": {"vi": "Kế hoạch", "en": None},
    "unit": "662",
    "issued_on": "2022-05-16",
    "period": {"from": "2022-05-16", "to": "2022-11-15"},
    "deadline": "2022-11-20",
}


PUBLIC = {
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/health/ready"),  # no auth: a load balancer asks it (says nothing of records)
    ("POST", "/api/v1/auth/token"),
}


def _operations(srv: Any) -> set[tuple[str, str]]:
    doc = httpx.get(srv.api + "/openapi.json").json()
    return {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}


def _request(c: httpx.Client, method: str, path: str, h: dict[str, Any]) -> httpx.Response:
    """One plausible call of each operation, on Cư Jút's things."""
    p = path.removeprefix("/api/v1")
    p = (
        p.replace("{form_id}", "dkst_model")
        .replace("{version}", "1")
        .replace("{sha256}", h["sha"])
        .replace("{username}", "officer")
        .replace("{device_id}", h["device"])
        .replace("{name}", "records.csv.zip")
        .replace("{plan_id}", h["plan_id"])
        .replace("{unit}", DAK_WIL)
    )
    if method == "POST" and p == "/plans":
        return c.post(p, json=_PLAN | {"number": "99/KH-MTTQ"})
    if method == "POST" and p.endswith("/reports"):
        return c.post(p, json={"unit": DAK_WIL, "comment": "x"})
    if p == "/sync/push":
        dev = c.headers.get("X-Device", "x")
        return c.post(
            p,
            json={
                "device_id": dev,
                "changes": [change(dev, {"name": "x"}, record_id=h["record_id"])],
            },
        )
    if method == "PUT":
        n = len(h["data"])
        return c.put(
            p,
            content=h["data"][:1000],
            headers={"Content-Range": f"bytes 0-999/{n}", "Content-Type": "image/jpeg"},
        )
    params = {"unit": DAK_WIL} if p in ("/reports/summary",) or p.startswith("/exports/") else None
    return c.request(method, p, params=params)


def _refusals_of_another_unit(
    h: dict[str, Any],
) -> dict[tuple[str, str], Callable[[httpx.Response], bool]]:
    """For each operation: does the answer to a Đắk Mil user hold nothing of Cư Jút?"""

    def not_found(r: httpx.Response) -> bool:
        return r.status_code == 404 and error_code(r) == "not_found"

    def no_cujut_units(r: httpx.Response) -> bool:
        return r.status_code == 200 and not {"662", DAK_WIL} & {u["code"] for u in r.json()}

    def out_of_scope(r: httpx.Response) -> bool:
        return (
            r.status_code == 200 and r.json()["results"][0]["errors"][0]["code"] == "out_of_scope"
        )

    def nothing_of_theirs(r: httpx.Response) -> bool:
        return r.status_code == 200 and all(
            rec["fields"].get("unit") != DAK_WIL for rec in r.json()["records"]
        )

    def starts_own_upload(r: httpx.Response) -> bool:
        # 200 would say "complete and visible"; an outsider starts an upload of their own.
        return r.status_code == 204 and r.headers["Upload-Offset"] == "1000"

    def no_cujut_plans(r: httpx.Response) -> bool:
        return r.status_code == 200 and h["plan_id"] not in {p["plan_id"] for p in r.json()}

    def reference(r: httpx.Response) -> bool:
        # the shipped forms are every unit's; published ones keep to their subtree
        # (tests/server/test_forms_publish.py)
        return r.status_code == 200

    def forbidden(r: httpx.Response) -> bool:
        return r.status_code == 403 and error_code(r) == "forbidden"  # only administrators

    api = "/api/v1"
    return {
        ("GET", f"{api}/forms"): reference,
        ("GET", f"{api}/forms/{{form_id}}/{{version}}"): reference,
        ("GET", f"{api}/forms/{{form_id}}/{{version}}/xlsx"): reference,
        ("POST", f"{api}/forms"): forbidden,
        ("GET", f"{api}/units"): no_cujut_units,
        ("POST", f"{api}/sync/push"): out_of_scope,
        ("GET", f"{api}/sync/pull"): nothing_of_theirs,
        ("HEAD", f"{api}/attachments/{{sha256}}"): lambda r: r.status_code == 404,
        ("GET", f"{api}/attachments/{{sha256}}"): not_found,
        ("PUT", f"{api}/attachments/{{sha256}}"): starts_own_upload,
        ("GET", f"{api}/reports/summary"): not_found,
        ("GET", f"{api}/exports/{{name}}"): not_found,
        ("POST", f"{api}/admin/users/{{username}}/revoke"): not_found,
        ("POST", f"{api}/admin/devices/{{device_id}}/revoke"): not_found,
        ("POST", f"{api}/plans"): not_found,
        ("GET", f"{api}/plans"): no_cujut_plans,
        ("GET", f"{api}/plans/{{plan_id}}"): not_found,
        ("POST", f"{api}/plans/{{plan_id}}/reports"): not_found,
        ("GET", f"{api}/plans/{{plan_id}}/reports"): not_found,
        ("GET", f"{api}/plans/{{plan_id}}/reports/{{unit}}"): not_found,
        ("GET", f"{api}/plans/{{plan_id}}/organizations"): not_found,  # issue 20
    }


def test_every_endpoint_refuses_a_user_of_another_unit(
    live_server: Any, holdings: dict[str, Any]
) -> None:
    checks = _refusals_of_another_unit(holdings)
    assert set(checks) | PUBLIC == _operations(live_server), "an endpoint without a scope check"
    for username in ("officer_mil", "district_mil"):
        dev = f"{username}-{new_id()[:8]}"
        c = login(live_server, username, PASSWORD, dev)
        c.headers["X-Device"] = dev
        for (method, path), refused in checks.items():
            manages = "/admin/" in path or path.endswith(("/plans", "/reports"))
            if method == "POST" and manages and username == "officer_mil":
                continue  # a field officer gets 403 forbidden before any lookup
            r = _request(c, method, path, holdings)
            assert refused(r), (username, method, path, r.status_code, r.text[:300])
        c.close()
    # and nothing was cut: the officer's device still works
    officer = login(live_server, "officer", PASSWORD, holdings["device"])
    assert _works(live_server, officer)
    officer.close()


def _expire_tokens_of(srv: Any, device_id: str) -> None:
    from sqlalchemy import update

    from server.db.engine import make_engine, write_tx
    from server.db.schema import tokens

    engine = make_engine(srv.settings().db_url)
    try:
        with write_tx(engine) as conn:
            conn.execute(update(tokens).where(tokens.c.device_id == device_id).values(expires_at=0))
    finally:
        engine.dispose()


@pytest.mark.parametrize("how", ["expired", "revoked_device", "revoked_user", "no_token"])
def test_every_endpoint_refuses_a_dead_token(
    live_server: Any, holdings: dict[str, Any], how: str
) -> None:
    username = "district"
    if how == "revoked_user":
        username = f"revokeme{new_id()[:6]}"
        add_user(live_server, username, "field_officer", DAK_WIL, PASSWORD)
    dev = f"dead-{how}-{new_id()[:8]}"
    c = login(live_server, username, PASSWORD, dev)
    c.headers["X-Device"] = dev
    assert _works(live_server, c)
    if how == "expired":
        _expire_tokens_of(live_server, dev)
    elif how == "revoked_device":
        admin = login(live_server, "admin", PASSWORD, "admin-" + new_id()[:8])
        assert admin.post(f"/admin/devices/{dev}/revoke").status_code == 204
        admin.close()
    elif how == "revoked_user":
        dkst("users", "revoke", username, env=live_server.env)
    else:
        del c.headers["Authorization"]
    for method, path in sorted(_operations(live_server) - PUBLIC):
        r = _request(c, method, path, holdings)
        assert r.status_code == 401, (how, method, path, r.status_code, r.text[:200])
        if method != "HEAD":
            assert error_code(r) == "unauthorized"
    c.close()


# ---------------------------------------------------------------------------- limits and framing
def _raw(srv: Any, data: bytes, *, timeout: float = 10.0) -> bytes:
    """Send bytes on a fresh connection; the response head and its body (by Content-Length)."""
    host, port = srv.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while b"\r\n\r\n" not in out:
            piece = s.recv(65536)
            if not piece:
                return out
            out += piece
        head, _, body = out.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.lower().split(b"\r\n")
                if line.startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < length:
            piece = s.recv(65536)
            if not piece:
                break
            body += piece
        return head + b"\r\n\r\n" + body


def test_an_upload_over_the_limit_is_refused_before_it_is_read(
    live_server: Any, officer: tuple[httpx.Client, str]
) -> None:
    oc, _ = officer
    token = oc.headers["Authorization"]
    total = 26 * 1024 * 1024  # over the 25 MiB default
    head = (
        f"PUT /api/v1/attachments/{'ab' * 32} HTTP/1.1\r\nHost: x\r\nAuthorization: {token}\r\n"
        f"Content-Type: image/jpeg\r\nContent-Range: bytes 0-{total - 1}/{total}\r\n"
        f"Content-Length: {total}\r\n\r\n"
    ).encode()
    # Only the first 64 KiB of 26 MiB are sent: the answer must come without the rest.
    started = time.monotonic()
    out = _raw(live_server, head + b"\xff\xd8\xff\xe0" + bytes(65532), timeout=20)
    assert out.startswith(b"HTTP/1.1 413"), out[:300]
    assert b'"file_too_large"' in out
    assert time.monotonic() - started < 15


def test_malformed_http_gets_the_json_error_shape(live_server: Any) -> None:
    out = _raw(live_server, b"GET /api/v1/health HTTP/1.1\r\nHost x\r\nBad Header\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400"), out[:200]
    head, _, body = out.partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower()
    assert httpx.Response(400, content=body).json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/sync/push", {"POST", "OPTIONS"}),
        ("/sync/pull", {"GET", "OPTIONS"}),
        ("/attachments/" + "ab" * 32, {"HEAD", "PUT", "GET", "OPTIONS"}),
    ],
)
def test_options_lists_its_own_method(live_server: Any, path: str, methods: set[str]) -> None:
    r = httpx.options(live_server.api + path)
    assert r.status_code == 204
    assert {m.strip() for m in r.headers["Allow"].split(",")} == methods
    # and a 405 names OPTIONS among what the path takes
    r = httpx.request("DELETE", live_server.api + path)
    assert r.status_code == 405 and error_code(r) == "method_not_allowed"
    assert "OPTIONS" in {m.strip() for m in r.headers["Allow"].split(",")}


def test_acknowledged_commits_are_durable(live_server: Any) -> None:
    """An acknowledged push is on disk: SQLite with synchronous=FULL, PostgreSQL with
    synchronous_commit on whatever the cluster's default (the test cluster's is off)."""
    from sqlalchemy import text

    from server.db.engine import make_engine, read_tx

    engine = make_engine(live_server.settings().db_url)
    try:
        with read_tx(engine) as conn:
            if live_server.database_url:
                assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
            else:
                assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    finally:
        engine.dispose()
