"""The staff pages through a real browser: a live server with the demo's records on the old map
(Huyện Cư Jút) and a record of Đắk Mil, driven by Playwright on Debian's Chromium
(``/usr/bin/chromium``; never a downloaded browser). Screenshots of each page land in
``docs/screenshots/web/``."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import DAK_LAO, LiveServer, add_user, login, running_server

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots" / "web" / "last-run"  # git-ignored; the best are copied up
CHROMIUM = os.environ.get("DKST_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "mật-khẩu-web-đủ-dài"
USERS = (
    ("officer", "field_officer", "24643"),  # Xã Đắk Wil
    ("commune", "commune_staff", "24643"),
    ("district", "district_staff", "662"),  # Huyện Cư Jút
    ("admin", "admin", "67"),  # Tỉnh Đắk Nông
    ("officer_mil", "field_officer", DAK_LAO),  # Xã Đắk Lao, Huyện Đắk Mil
)
MODEL = str(uuid.uuid5(uuid.UUID("5b8f3c1e-4a8e-4a57-9d57-6b1d0c2a7e11"), "model-phan-vi-sinh"))


@dataclass
class Site:
    srv: LiveServer
    mil_record: str  # a residential area of Đắk Lao (Đắk Mil): out of Cư Jút's scope
    conflict_record: str  # a model of Đắk Wil with a conflict on "description"

    @property
    def url(self) -> str:
        return self.srv.url

    def api(self, username: str, device_id: str) -> httpx.Client:
        return login(self.srv, username, PASSWORD, device_id)


def _hlc(device: str, n: int = 0) -> str:
    import time

    return f"{int(time.time() * 1000):013d}-{n:04d}-{device}"


def push(client: httpx.Client, device: str, changes: list[dict[str, Any]]) -> list[Any]:
    r = client.post("/sync/push", json={"device_id": device, "changes": changes})
    r.raise_for_status()
    results: list[Any] = r.json()["results"]
    assert all(x["status"] in ("applied", "conflict") for x in results), [
        x["errors"] for x in results
    ]
    return results


def change(
    device: str, entity: str, record_id: str, fields: dict[str, Any], base: int | None, n: int = 0
) -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "entity": entity,
        "record_id": record_id,
        "op": "upsert",
        "base_rev": base,
        "hlc": _hlc(device, n),
        "fields": fields,
    }


def _photo() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 200), (46, 125, 50))
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 120, 300, 190), fill=(121, 85, 72))
    draw.ellipse((230, 20, 290, 80), fill=(255, 213, 79))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _seed(srv: LiveServer) -> Site:
    from server.db.engine import make_engine
    from server.services import demo_v2
    from server.services.demo import DemoCommunes, demo_records, seed_records

    for username, role, unit in USERS:
        add_user(srv, username, role, unit, PASSWORD)
    # The demo's records on the old map (Cư Jút's Xã Đắk Wil and Thị trấn Ea T'Ling, 2022), as
    # ``dkst demo --history`` tells it; the new map's demo has its own test (test_new_map.py).
    old_map = DemoCommunes("24643", "24640", "xã Đắk Wil")
    engine = make_engine(srv.settings().db_url)
    try:
        wanted = demo_records(old_map, year=2022)
        wanted += demo_v2.records(wanted)  # form set v2's records beside them (issue 20)
        seed_records(engine, srv.settings(), wanted, "admin")
    finally:
        engine.dispose()

    mil = str(uuid.uuid4())
    with login(srv, "officer_mil", PASSWORD, "phone-mil") as c:
        area = {
            "name": "Thôn Đắk Lao 1",
            "kind": "thon",
            "unit": DAK_LAO,
            "form_id": "dkst_residential_area",
            "form_version": 1,
        }
        push(c, "phone-mil", [change("phone-mil", "residential_area", mil, area, None)])

    photo = _photo()
    sha = hashlib.sha256(photo).hexdigest()
    with login(srv, "officer", PASSWORD, "phone-1") as c:
        ev = {
            "model": MODEL,
            "unit": "24643",
            "kind": "photo",
            "sha256": sha,
            "media_type": "image/png",
            "size": len(photo),
            "caption": "Nhà lưới ủ phân vi sinh",
            "form_id": "dkst_evidence",
            "form_version": 1,
        }
        push(c, "phone-1", [change("phone-1", "evidence", str(uuid.uuid4()), ev, None)])
        r = c.put(
            f"/attachments/{sha}",
            content=photo,
            headers={
                "Content-Range": f"bytes 0-{len(photo) - 1}/{len(photo)}",
                "Content-Type": "image/png",
            },
        )
        assert r.status_code == 201, r.text
        rev = c.get("/sync/pull").json()["records"]
        base = next(x["rev"] for x in rev if x["record_id"] == MODEL)
        push(
            c,
            "phone-1",
            [
                change(
                    "phone-1",
                    "model",
                    MODEL,
                    {"description": "Bản của cán bộ: 24 hộ tham gia."},
                    base,
                )
            ],
        )
    with login(srv, "commune", PASSWORD, "phone-2") as c:
        push(
            c,
            "phone-2",
            [
                change(
                    "phone-2",
                    "model",
                    MODEL,
                    {"description": "Bản của xã: 26 hộ tham gia."},
                    base,
                    1,
                )
            ],
        )
    return Site(srv, mil, MODEL)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running_server(tmp_path_factory.mktemp("web")) as srv:
        yield _seed(srv)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: apt-get install chromium (./dev does)"
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--lang=vi-VN"]
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(
        base_url=site.url,
        viewport={"width": 1280, "height": 860},
        accept_downloads=True,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
    )
    context.set_default_timeout(20_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


def log_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/web/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/web/login'] button[type=submit]")
    page.wait_for_load_state()


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
