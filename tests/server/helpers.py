"""Builders for SYNC.md requests used across the server tests."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from server.config import ServerSettings
from server.db.engine import make_engine, write_tx
from server.db.migrate import upgrade
from server.services import push as push_service
from server.services.auth import Principal, scope_of
from server.services.units import import_units
from shared_schema.hlc import Clock
from tests.conftest import PASSWORD
from tests.support.records import DAK_WIL, new_id, record_fields
from tests.support.records import change as build_change
from tests.support.server import login

__all__ = [
    "InProcessPush",
    "change",
    "client",
    "error_code",
    "hlc",
    "new_id",
    "pull_all",
    "push",
    "put_file",
    "record_fields",
]

_clocks: dict[str, Clock] = {}


class InProcessPush:
    """``push_service.push`` in a write transaction, as the route runs it, for a field officer of
    Đắk Wil on ``device`` (a migrated database at ``url``, SQLite or PostgreSQL)."""

    def __init__(self, url: str, data_dir: Path, device: str) -> None:
        self.engine = make_engine(url)
        upgrade(self.engine)
        self.settings = ServerSettings(data_dir=data_dir, database_url=url)
        with write_tx(self.engine) as conn:
            import_units(conn, source="legacy", under=DAK_WIL)
            scope = scope_of(conn, [DAK_WIL])
        self.who = Principal(1, "officer", "field_officer", (DAK_WIL,), device, scope)

    def __call__(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with write_tx(self.engine, serial=True) as conn:
            return push_service.push(conn, self.settings, self.who, batch)


def hlc(device_id: str) -> str:
    clock = _clocks.setdefault(device_id, Clock(device_id))
    return str(clock.now())


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
    """:func:`tests.support.records.change` stamped by the device's clock; with no ``fields``,
    an upsert makes a new residential area."""
    if fields is None and op != "delete":
        fields = record_fields("residential_area")
    return build_change(
        entity,
        fields,
        hlc=hlc_ or hlc(device_id),
        record_id=record_id,
        op=op,
        base_rev=base_rev,
        change_id=change_id,
    )


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


def put_file(c: httpx.Client, data: bytes, media_type: str) -> str:
    """Upload ``data`` whole in one chunk (201); its SHA-256."""
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    r = c.put(
        f"/attachments/{sha}",
        content=data,
        headers={
            "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}",
            "Content-Type": media_type,
        },
    )
    assert r.status_code == 201, r.text
    return sha
