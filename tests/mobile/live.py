"""Helpers for the field app's tests against a real server process (tests/support/server.py)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import httpx

from mobile.core.clock import wall_ms
from mobile.core.device import Device
from shared_schema.hlc import parse_hlc

PW = "mật khẩu đủ dài 2026"


def fast_retries(dev: Device) -> Device:
    """Keep backoff short in tests; the policy is the same, only the delays shrink."""
    dev.store.update_settings(retry_base_s=0.01, retry_cap_s=0.05, retry_max_attempts=40)
    return dev


def wait_past(hlc: str, timeout_s: float = 5.0) -> None:
    """Poll until the real clock is past an HLC's millisecond: whatever any device stamps next
    (from the real clock) comes after it."""
    ms = parse_hlc(hlc).ms
    deadline = time.monotonic() + timeout_s
    while wall_ms() <= ms:
        assert time.monotonic() < deadline, f"the clock did not pass {hlc}"
        time.sleep(0.001)


def login_device(data_dir: Path, url: str, username: str, device_id: str, **kw: Any) -> Device:
    return fast_retries(
        Device.login(
            data_dir, server=url, username=username, password=PW, device_id=device_id, **kw
        )
    )


def server_state(api: str, username: str, device_id: str = "inspector") -> dict[str, Any]:
    """Every record the user's scope holds on the server: record_id -> (rev, fields, deleted)."""
    token = httpx.post(
        api + "/auth/token", data={"username": username, "password": PW, "device_id": device_id}
    ).json()["access_token"]
    out: dict[str, Any] = {}
    cursor = None
    with httpx.Client(
        base_url=api, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        while True:
            params: dict[str, Any] = {"limit": 1000}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/sync/pull", params=params).json()
            for r in page["records"]:
                out[r["record_id"]] = (r["rev"], r["fields"], r["deleted"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return out


def device_state(dev: Device) -> dict[str, Any]:
    """What the device holds, in the same shape (its view: server state plus unsent edits)."""
    rows = dev.store.conn.execute("SELECT record_id, rev, fields, deleted FROM records")
    return {r[0]: (r[1], json.loads(r[2]), bool(r[3])) for r in rows}


def server_change_counts(srv: Any) -> dict[str, int]:
    """change_id -> how many times the server's change log holds it (must be 1)."""
    from sqlalchemy import text

    from server.db.engine import make_engine

    engine = make_engine(srv.settings().db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT change_id, count(*) FROM changes GROUP BY change_id")
            ).all()
    finally:
        engine.dispose()
    return {r[0]: r[1] for r in rows}


def server_conflicts(srv: Any, record_id: str) -> list[dict[str, Any]]:
    from sqlalchemy import text

    from server.db.engine import make_engine

    engine = make_engine(srv.settings().db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT field, losing_value, winning_value FROM conflicts WHERE record_id = :r"
                ),
                {"r": record_id},
            ).all()
    finally:
        engine.dispose()
    return [{"field": r[0], "losing": json.loads(r[1]), "winning": json.loads(r[2])} for r in rows]


def sent_change_ids(dev: Device) -> set[str]:
    return {
        r[0] for r in dev.store.conn.execute("SELECT change_id FROM outbox WHERE state = 'sent'")
    }


def server_has_attachments(api: str) -> bool:
    spec = httpx.get(api + "/openapi.json").json()
    return any("/attachments/" in p for p in spec.get("paths", {}))


def download_sha(api: str, username: str, sha: str) -> str | None:
    token = httpx.post(
        api + "/auth/token", data={"username": username, "password": PW, "device_id": "inspector"}
    ).json()["access_token"]
    r = httpx.get(
        f"{api}/attachments/{sha}", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    if r.status_code != 200:
        return None
    return hashlib.sha256(r.content).hexdigest()
