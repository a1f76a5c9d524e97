"""Builders for SYNC.md requests used across the server tests."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared_schema.hlc import Clock
from tests.conftest import PASSWORD
from tests.support.server import login

_clocks: dict[str, Clock] = {}


def hlc(device_id: str) -> str:
    clock = _clocks.setdefault(device_id, Clock(device_id))
    return str(clock.now())


def new_id() -> str:
    return str(uuid.uuid4())


def area_fields(unit: str = "24643", **extra: Any) -> dict[str, Any]:
    return {
        "name": "Thôn Đoàn Kết",
        "kind": "thon",
        "unit": unit,
        "form_id": "dkst_residential_area",
        "form_version": 1,
        **extra,
    }


def change(
    device_id: str,
    fields: dict[str, Any] | None = None,
    *,
    record_id: str | None = None,
    entity: str = "residential_area",
    op: str = "upsert",
    base_rev: int | None = None,
    change_id: str | None = None,
    hlc_: str | None = None,
) -> dict[str, Any]:
    return {
        "change_id": change_id or new_id(),
        "entity": entity,
        "record_id": record_id or new_id(),
        "op": op,
        "base_rev": base_rev,
        "hlc": hlc_ or hlc(device_id),
        "fields": {}
        if op == "delete" and fields is None
        else (fields if fields is not None else area_fields()),
    }


def client(srv: Any, username: str, device_id: str | None = None) -> tuple[httpx.Client, str]:
    """A logged-in client of one of the standard users, on a new device unless one is named."""
    device_id = device_id or f"{username}-{uuid.uuid4().hex[:8]}"
    return login(srv, username, PASSWORD, device_id), device_id


def push(c: httpx.Client, device_id: str, changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    r = c.post("/sync/push", json={"device_id": device_id, "changes": changes})
    assert r.status_code == 200, r.text
    results: list[dict[str, Any]] = r.json()["results"]
    return results


def pull_all(
    c: httpx.Client, cursor: str | None = None, limit: int = 1000
) -> tuple[list[dict[str, Any]], str]:
    records: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        r = c.get("/sync/pull", params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        records.extend(body["records"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return records, cursor


def error_code(r: httpx.Response) -> str:
    body = r.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    code: str = body["error"]["code"]
    return code
