"""Black-box contract tests written from shared/design/SYNC.md alone.

Helpers shared by the ``test_contract_*`` modules: a thin HTTP client per (user, device), HLCs,
change builders that take the needed fields from the forms the server publishes, and checks of the
error body shape of SYNC.md's "Errors" section.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import uuid
from typing import Any

import httpx

from tests.conftest import PASSWORD
from tests.support.records import change, new_id, record_fields

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
DAK_WIL, EA_TLING, CU_JUT, DAK_NONG = "24643", "24640", "662", "67"

_counter = itertools.count(1)


def hlc(device: str, *, offset_ms: int = 0, counter: int | None = None) -> str:
    """``<13-digit unix ms>-<4-digit counter>-<device_id>``, strictly increasing within a run."""
    n = next(_counter) if counter is None else counter
    ms = int(time.time() * 1000) + offset_ms
    return f"{ms:013d}-{n % 10000:04d}-{device}"


def uid() -> str:
    return new_id()


def token(srv: Any, username: str, device: str, password: str = PASSWORD) -> str:
    r = httpx.post(
        srv.api + "/auth/token",
        data={"username": username, "password": password, "device_id": device},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


class Client:
    """An authenticated client for one user on one device."""

    def __init__(self, srv: Any, username: str, device: str, password: str = PASSWORD):
        self.srv = srv
        self.username = username
        self.device = device
        self.token = token(srv, username, device, password)
        self.http = httpx.Client(
            base_url=srv.api,
            headers={"Authorization": "Bearer " + self.token},
            timeout=120,
        )

    # -- raw ---------------------------------------------------------------------------------
    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.http.get(path, **kw)

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.http.request(method, path, **kw)

    # -- sync --------------------------------------------------------------------------------
    def push_raw(self, changes: list[Any], device_id: str | None = None) -> httpx.Response:
        body = {"device_id": self.device if device_id is None else device_id, "changes": changes}
        # ensure_ascii: lone surrogates etc. travel as JSON escapes, as any JSON client may send
        return self.http.post(
            "/sync/push",
            content=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )

    def push(self, *changes: dict[str, Any]) -> list[dict[str, Any]]:
        r = self.push_raw(list(changes))
        assert r.status_code == 200, r.text
        results = r.json()["results"]
        assert len(results) == len(changes)
        return list(results)

    def push1(self, change: dict[str, Any]) -> dict[str, Any]:
        return self.push(change)[0]

    def change(
        self,
        entity: str,
        record_id: str,
        fields: dict[str, Any],
        *,
        op: str = "upsert",
        base_rev: int | None = None,
        hlc_: str | None = None,
        change_id: str | None = None,
    ) -> dict[str, Any]:
        return change(
            entity,
            fields,
            hlc=hlc_ or hlc(self.device),
            record_id=record_id,
            op=op,
            base_rev=base_rev,
            change_id=change_id,
        )

    def delete(self, entity: str, record_id: str, base_rev: int | None = None) -> dict[str, Any]:
        return self.change(entity, record_id, {}, op="delete", base_rev=base_rev)

    def pull(self, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if cursor is not None:
            params["cursor"] = cursor
        if limit is not None:
            params["limit"] = limit
        r = self.http.get("/sync/pull", params=params)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def pull_all(self, cursor: str | None = None, limit: int = 1000) -> tuple[list[dict], str]:
        """Follow ``next_cursor`` until ``has_more`` is false; all records and the last cursor."""
        out: list[dict] = []
        for _ in range(10_000):
            page = self.pull(cursor, limit)
            out.extend(page["records"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return out, str(cursor)
        raise AssertionError("pull never ended")

    def head_cursor(self) -> str:
        return self.pull_all()[1]

    def close(self) -> None:
        self.http.close()


# -- records (fields per the published forms: tests/support/records.py) -------------------------


def create_ra(c: Client, unit: str = DAK_WIL, **fields: Any) -> tuple[str, dict]:
    rid = uid()
    res = c.push1(
        c.change("residential_area", rid, record_fields("residential_area", unit, **fields))
    )
    assert res["status"] == "applied", res
    return rid, res


def create_model(c: Client, unit: str = DAK_WIL) -> str:
    ra, _ = create_ra(c, unit)
    mid = uid()
    res = c.push1(c.change("model", mid, record_fields("model", unit, residential_area=ra)))
    assert res["status"] == "applied", res
    return mid


# -- checks -----------------------------------------------------------------------------------


def assert_error(r: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """SYNC.md: every error is exactly {"error": {"code", "message", "details"}}."""
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert set(err) == {"code", "message", "details"}, err
    assert isinstance(err["code"], str) and re.fullmatch(r"[a-z][a-z0-9_]*", err["code"]), err
    assert isinstance(err["message"], str) and err["message"], err
    assert err["details"] is None or isinstance(err["details"], dict), err
    if code is not None:
        assert err["code"] == code, (code, body)
    return dict(err)


def assert_record_shape(rec: dict[str, Any]) -> None:
    assert set(rec) == {"entity", "record_id", "rev", "fields", "deleted", "updated_at"}, rec
    assert isinstance(rec["rev"], int) and not isinstance(rec["rev"], bool) and rec["rev"] >= 1
    assert isinstance(rec["fields"], dict)
    assert isinstance(rec["deleted"], bool)
    assert ISO_Z.match(rec["updated_at"]), rec["updated_at"]
    uuid.UUID(rec["record_id"])


def assert_result_shape(res: dict[str, Any]) -> None:
    assert set(res) == {"change_id", "status", "rev", "conflicts", "errors"}, res
    assert res["status"] in {"applied", "conflict", "duplicate", "rejected"}
    assert isinstance(res["conflicts"], list)
    assert isinstance(res["errors"], list)
    for e in res["errors"]:
        assert set(e) == {"field", "code", "message"}, e
    if res["status"] == "rejected":
        assert res["rev"] is None and res["errors"], res
    else:
        assert isinstance(res["rev"], int) and res["rev"] >= 1, res


def codes(res: dict[str, Any]) -> set[str]:
    return {e["code"] for e in res["errors"]}


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Last state per record_id (a record may appear more than once across pages)."""
    return {r["record_id"]: r for r in records}
