"""The devices of ``bench/load.py``: lean SYNC.md clients, the administrator's seed and final view.

A ``LoadDevice`` is one phone: its offline records and photos are made before the run, and
``sync`` does what the app's sync does, timed per request. Every change it sends is kept as a
``Sent`` with the server's answer, for ``bench/load_check.py``.
"""

from __future__ import annotations

import hashlib
import io
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from PIL import Image

from bench.load_check import Sent
from shared_schema.hlc import Clock
from tests.support.records import change, record_fields
from tests.support.server import LiveServer

PASSWORD = "mật khẩu đủ dài cho tải"
SHARED_MODELS = 4  # per commune, made by the administrator before the run
STATUSES = ("building", "operating", "replicated")
ATTEMPTS = 30


@dataclass
class Stats:
    """Latencies (seconds) of answered requests, and every failure, from all device threads."""

    push: list[float] = field(default_factory=list)
    pull: list[float] = field(default_factory=list)
    upload: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    status_5xx: int = 0
    retries: int = 0
    cuts: int = 0  # requests that got no answer at all (connection cut or timed out)
    pulled: int = 0
    file_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


def _token(srv: LiveServer, username: str, device_id: str) -> str:
    r = httpx.post(
        srv.api + "/auth/token",
        data={"username": username, "password": PASSWORD, "device_id": device_id},
        timeout=60,
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def _client(srv: LiveServer, username: str, device_id: str) -> httpx.Client:
    return httpx.Client(
        base_url=srv.api,
        headers={"Authorization": "Bearer " + _token(srv, username, device_id)},
        timeout=300,
    )


def photo(seed: str) -> bytes:
    """A small real JPEG whose bytes no other seed gives (noise does not compress alike)."""
    rng = random.Random(seed)
    img = Image.frombytes("RGB", (48, 48), rng.randbytes(48 * 48 * 3))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _push(http: httpx.Client, device_id: str, changes: list[dict[str, Any]]) -> list[Sent]:
    r = http.post("/sync/push", json={"device_id": device_id, "changes": changes})
    r.raise_for_status()
    return [
        Sent(ch, res["status"], res["rev"], res["conflicts"])
        for ch, res in zip(changes, r.json()["results"], strict=True)
    ]


def seed(srv: LiveServer, n: int) -> tuple[list[str], dict[str, list[str]], list[Sent]]:
    """``n`` communes of the administrator's scope, in each an area and shared models (rev 1)."""
    device = "load-seed"
    clock = Clock(device)
    with _client(srv, "load-admin", device) as http:
        units = http.get("/units").json()
        communes = sorted(u["code"] for u in units if u["level"] == "commune")[:n]
        shared: dict[str, list[str]] = {}
        changes = []
        for code in communes:
            area = str(uuid.uuid4())
            changes.append(_change(clock, "residential_area", area, _area(code, "Thôn chung")))
            shared[code] = []
            for k in range(SHARED_MODELS):
                rid = str(uuid.uuid4())
                shared[code].append(rid)
                changes.append(_change(clock, "model", rid, _model(code, area, k)))
        sent = _push(http, device, changes)
    return communes, shared, sent


def admin_view(
    srv: LiveServer, hashes: set[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, str | None]]:
    """Everything an administrator pulls from the start, and the SHA-256 of each file downloaded."""
    pulled: dict[str, dict[str, Any]] = {}
    downloaded: dict[str, str | None] = {}
    with _client(srv, "load-admin", "load-inspector") as http:
        cursor = None
        while True:
            r = http.get(
                "/sync/pull", params={"limit": 1000, **({"cursor": cursor} if cursor else {})}
            )
            r.raise_for_status()
            page = orjson.loads(r.content)
            for rec in page["records"]:
                pulled[rec["record_id"]] = rec
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        for sha in hashes:
            got = http.get(f"/attachments/{sha}")
            downloaded[sha] = (
                hashlib.sha256(got.content).hexdigest() if got.status_code == 200 else None
            )
    return pulled, downloaded


def _change(
    clock: Clock, entity: str, rid: str, fields: dict[str, Any], base_rev: int | None = None
) -> dict[str, Any]:
    return change(entity, fields, hlc=str(clock.now()), record_id=rid, base_rev=base_rev)


def _area(code: str, name: str) -> dict[str, Any]:
    return record_fields("residential_area", code, name=name, kind="thon", households=120)


def _model(code: str, area: str, k: int) -> dict[str, Any]:
    return record_fields(
        "model",
        code,
        name=f"Mô hình “Đoàn kết sáng tạo” số {k}",
        residential_area=area,
        content_area=str(1 + k % 5),
        status="operating",
        participating_households=20 + k % 80,
        description="Nhân dân góp công, góp đất làm đường và trồng hoa hai bên.",
    )


class LoadDevice:
    def __init__(
        self,
        srv: LiveServer,
        index: int,
        commune: str,
        shared: list[str],
        stats: Stats,
        *,
        records: int,
        photos: int,
        batch: int,
    ) -> None:
        self.device_id = f"load-{index:04d}"
        self.http = _client(srv, f"cb{commune}", self.device_id)
        self.stats = stats
        self.batch = batch
        clock = Clock(self.device_id)
        self.photos = {}
        for k in range(photos):
            data = photo(f"{self.device_id}/{k}")
            self.photos[hashlib.sha256(data).hexdigest()] = data
        area = str(uuid.uuid4())
        changes = [_change(clock, "residential_area", area, _area(commune, f"Thôn {index}"))]
        models = []
        for k in range(records - 1 - photos):
            models.append(str(uuid.uuid4()))
            changes.append(_change(clock, "model", models[-1], _model(commune, area, k)))
            if k % 10 == 9:  # the officer corrects an answer before syncing: no conflict
                changes.append(
                    _change(clock, "model", models[-1], {"participating_people": index + k})
                )
        for k, (sha, data) in enumerate(self.photos.items()):
            fields = record_fields(
                "evidence",
                commune,
                model=models[k % len(models)],
                kind="photo",
                sha256=sha,
                media_type="image/jpeg",
                size=len(data),
                caption=f"Ảnh {k} của {self.device_id}",
            )
            changes.append(_change(clock, "evidence", str(uuid.uuid4()), fields))
        for rid in shared:  # pulled at rev 1 before going offline; others edit them too
            edit = {
                "participating_households": 100 + index,
                "status": STATUSES[index % len(STATUSES)],
                "description": f"Sửa ngoại tuyến bởi {self.device_id}",
            }
            changes.append(_change(clock, "model", rid, edit, base_rev=1))
        self.sent = [Sent(ch) for ch in changes]

    def close(self) -> None:
        self.http.close()

    def _call(
        self, timings: list[float], method: str, url: str, **kw: Any
    ) -> httpx.Response | None:
        """One request as the app makes it: a cut or a 503 is retried; any 5xx is a failure."""
        for attempt in range(ATTEMPTS):
            started = time.perf_counter()
            try:
                r = self.http.request(method, url, **kw)
            except httpx.TransportError:  # counted and shown; the resent request must be safe
                self.stats.add(retries=1, cuts=1)
                time.sleep(0.2 * (attempt + 1))
                continue
            if r.status_code >= 500:
                self.stats.add(status_5xx=1)
                self.stats.errors.append(f"{self.device_id} {method} {url[:40]} → {r.status_code}")
                if r.status_code == 503:
                    time.sleep(float(r.headers.get("Retry-After", "1")))
                    self.stats.add(retries=1)
                    continue
                return None
            timings.append(time.perf_counter() - started)
            return r
        return None

    def sync(self, gate: threading.Barrier) -> None:
        gate.wait()
        try:
            self._push()
            self._pull()
            self._upload()
        except Exception as exc:  # a broken answer: the run fails, the other devices go on
            self.stats.errors.append(f"{self.device_id}: {exc!r}")

    def _push(self) -> None:
        for start in range(0, len(self.sent), self.batch):
            part = self.sent[start : start + self.batch]
            body = orjson.dumps({"device_id": self.device_id, "changes": [s.change for s in part]})
            r = self._call(
                self.stats.push,
                "POST",
                "/sync/push",
                content=body,
                headers={"Content-Type": "application/json"},
            )
            if r is None or r.status_code != 200:
                self.stats.errors.append(f"{self.device_id} push → {r and r.status_code}")
                return
            for s, res in zip(part, orjson.loads(r.content)["results"], strict=True):
                status = res["status"]
                if status == "duplicate":  # the first outcome, answered again
                    status = "conflict" if res["conflicts"] else "applied"
                s.status, s.rev, s.conflicts = status, res["rev"], res["conflicts"]

    def _pull(self) -> None:
        cursor = None
        while True:
            params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            r = self._call(self.stats.pull, "GET", "/sync/pull", params=params)
            if r is None or r.status_code != 200:
                self.stats.errors.append(f"{self.device_id} pull → {r and r.status_code}")
                return
            page = orjson.loads(r.content)
            self.stats.add(pulled=len(page["records"]))
            cursor = page["next_cursor"]
            if not page["has_more"]:
                return

    def _upload(self) -> None:
        for sha, data in self.photos.items():
            head = self._call([], "HEAD", f"/attachments/{sha}")
            if head is None or head.status_code not in (200, 404):
                self.stats.errors.append(f"{self.device_id} HEAD → {head and head.status_code}")
                continue
            r = self._call(
                self.stats.upload,
                "PUT",
                f"/attachments/{sha}",
                content=data,
                headers={
                    "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}",
                    "Content-Type": "image/jpeg",
                },
            )
            if r is None or r.status_code not in (200, 201):
                self.stats.errors.append(f"{self.device_id} PUT → {r and r.status_code}")
                continue
            self.stats.add(file_bytes=len(data))
