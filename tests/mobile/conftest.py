"""Fixtures for the field app's core: real SQLite files in tmp_path, no server needed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mobile.core.device import Device
from tests.support.device import (
    DAK_WIL,
    NO_SERVER,
    area_values,
    model_values,
    offline_device,
    pulled_record,
    record_fields,
)

__all__ = [
    "DAK_WIL",
    "NO_SERVER",
    "area_values",
    "model_values",
    "offline_device",
    "pulled_record",
    "record_fields",
]


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Device]:
    dev = offline_device(tmp_path / "dev")
    yield dev
    dev.close()
