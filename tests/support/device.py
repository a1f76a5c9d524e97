"""Builders for the field device's tests and bench/device.py: one device, one record, one change.

- :func:`offline_device`: a logged-in-looking device on a data directory, no server needed;
- :func:`area_values`, :func:`model_values`: answers an officer types into the forms;
- :func:`pulled_record`: a record as ``GET /sync/pull`` serves it (``wire.RecordOut``);
- :func:`change`: a change as ``POST /sync/push`` takes it (``wire.ChangeIn``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mobile.core.device import Device
from shared_schema.forms import load_default_forms
from shared_schema.hlc import Clock
from shared_schema.wire import ChangeIn, RecordOut

__all__ = [
    "DAK_WIL",
    "NO_SERVER",
    "area_values",
    "change",
    "model_values",
    "offline_device",
    "pulled_record",
    "record_fields",
]

DAK_WIL = "24643"  # Xã Đắk Wil, Cư Jút (legacy code)
NO_SERVER = "http://127.0.0.1:9"  # never contacted by the unit tests

_clocks: dict[str, Clock] = {}


def offline_device(
    data_dir: Path,
    *,
    device_id: str = "dev-a",
    username: str = "lan",
    units: list[str] | None = None,
    wall: Callable[[], int] | None = None,
) -> Device:
    """A device that believes it is logged in as a field officer of ``units`` (Đắk Wil)."""
    kw: dict[str, Any] = {"wall": wall} if wall else {}
    dev = Device(data_dir, NO_SERVER, username, device_id=device_id, **kw)
    with dev.store.transaction():
        dev.store.set_state(
            "user", {"username": username, "role": "field_officer", "units": units or [DAK_WIL]}
        )
    return dev


def area_values(name: str = "Thôn 1") -> dict[str, Any]:
    return {"name": name, "kind": "thon", "households": 120}


def model_values(area_id: str, name: str = "Mô hình Đoàn Kết sáng tạo") -> dict[str, Any]:
    return {"name": name, "residential_area": area_id, "content_area": "2", "status": "operating"}


def record_fields(entity: str, values: Mapping[str, Any], unit: str = DAK_WIL) -> dict[str, Any]:
    """``values`` with the system fields a record carries: unit and its form's id and version."""
    form = load_default_forms().latest(entity)
    return {"unit": unit, "form_id": form.form_id, "form_version": form.version, **values}


def pulled_record(
    entity: str,
    fields: Mapping[str, Any],
    *,
    record_id: str | None = None,
    rev: int = 1,
    deleted: bool = False,
    updated_at: str = "2026-01-01T00:00:00Z",
) -> dict[str, Any]:
    """A record as the server sends it in a pull page."""
    return RecordOut(
        entity=entity,
        record_id=record_id or str(uuid.uuid4()),
        rev=rev,
        fields=dict(fields),
        deleted=deleted,
        updated_at=updated_at,
    ).model_dump()


def change(
    entity: str,
    fields: Mapping[str, Any] | None = None,
    *,
    device_id: str,
    record_id: str | None = None,
    op: str = "upsert",
    base_rev: int | None = None,
    hlc: str | None = None,
) -> dict[str, Any]:
    """A change as a device pushes it, stamped by a per-device HLC unless ``hlc`` is given."""
    return ChangeIn(
        change_id=str(uuid.uuid4()),
        entity=entity,
        record_id=record_id or str(uuid.uuid4()),
        op=op,  # type: ignore[arg-type]
        base_rev=base_rev,
        hlc=hlc or str(_clocks.setdefault(device_id, Clock(device_id)).now()),
        fields=dict(fields or {}),
    ).model_dump()
