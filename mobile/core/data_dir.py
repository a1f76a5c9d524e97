"""A data directory (one per phone, or per ``--data-dir`` on a desktop) and its accounts::

    DIR/device.json                          {"device_id", "current": {"server", "username"}}
    DIR/accounts/<host_port>/<user>.sqlite   records, outbox, cursor, forms, units, settings
    DIR/accounts/<host_port>/<user>.files/   evidence files, <sha256[:2]>/<sha256>

One file per server and user: two officers sharing a phone, or one officer on a test and a real
server, never see each other's records or send each other's outbox. Host and user names are
reduced to safe characters before they become path parts.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

__all__ = ["AccountPaths", "account_paths", "read_device_json", "write_device_json"]

_SAFE = re.compile(r"[^a-z0-9._-]")


def _host_part(server: str) -> str:
    parts = urlsplit(server if "://" in server else f"http://{server}")
    host = (parts.hostname or "server").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return _SAFE.sub("_", f"{host}_{port}")


def _user_part(username: str) -> str:
    text = quote(username, safe="")  # every byte that could be a path separator is escaped
    return text if text not in ("", ".", "..") else f"_{text}_"


@dataclass(frozen=True)
class AccountPaths:
    database: Path
    files: Path


def account_paths(data_dir: str | Path, server: str, username: str) -> AccountPaths:
    """Where the account of ``username`` on ``server`` keeps its database and its files."""
    base = Path(data_dir) / "accounts" / _host_part(server)
    user = _user_part(username)
    return AccountPaths(base / f"{user}.sqlite", base / f"{user}.files")


def read_device_json(data_dir: Path) -> dict[str, Any]:
    """``device.json``: the device id and the current account (``{}`` before a first login)."""
    path = data_dir / "device.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def write_device_json(data_dir: Path, data: Mapping[str, Any]) -> None:
    """Replace ``device.json`` whole (written aside, synced, renamed: never half a file)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".device-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, data_dir / "device.json")
