"""Fixtures for the field app's core: real SQLite files in tmp_path, no server needed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.core.device import Device

DAK_WIL = "24643"  # Xã Đắk Wil, Cư Jút (legacy code)
NO_SERVER = "http://127.0.0.1:9"  # never contacted by the unit tests


def offline_device(
    data_dir: Path, *, device_id: str = "dev-a", units: list[str] | None = None, wall=None
) -> Device:  # type: ignore[no-untyped-def]
    kw = {"wall": wall} if wall else {}
    dev = Device(data_dir, NO_SERVER, "lan", device_id=device_id, **kw)
    with dev.store.transaction():
        dev.store.set_state(
            "user", {"username": "lan", "role": "field_officer", "units": units or [DAK_WIL]}
        )
    return dev


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Device]:
    dev = offline_device(tmp_path / "dev")
    yield dev
    dev.close()


def area_values(name: str = "Thôn 1") -> dict[str, object]:
    return {"name": name, "kind": "thon", "households": 120}


def model_values(area_id: str, name: str = "Mô hình Đoàn Kết sáng tạo") -> dict[str, object]:
    return {"name": name, "residential_area": area_id, "content_area": "2", "status": "operating"}


def new_uuid() -> str:
    return str(uuid.uuid4())
