"""The core's refusals: a stable code and its details (worded by the app, English for the CLI),
under the built-in bases callers already catch."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobile.core.device import Device
from mobile.core.errors import (
    DeviceError,
    DeviceErrorCode,
    RecordNotFound,
    Refused,
    SyncError,
    UnknownForm,
)
from mobile.core.settings import DeviceSettings
from tests.mobile.conftest import area_values, offline_device

MISSING = "00000000-0000-4000-8000-000000000000"


def _refusal(exc: pytest.ExceptionInfo[BaseException]) -> tuple[str, dict[str, object]]:
    assert isinstance(exc.value, DeviceError)
    return exc.value.code, exc.value.details


def test_records_refuse_with_codes(tmp_path: Path) -> None:
    dev = offline_device(tmp_path / "d", units=["24640", "24643"])
    with pytest.raises(Refused) as exc:
        dev.records.create("nonsense", {})
    assert _refusal(exc) == (DeviceErrorCode.UNKNOWN_ENTITY, {"entity": "nonsense"})
    with pytest.raises(Refused) as exc:
        dev.records.create("residential_area", area_values())  # two units: which one?
    assert _refusal(exc) == (DeviceErrorCode.UNIT_REQUIRED, {})
    with pytest.raises(Refused) as exc:
        dev.records.create("model", {}, form_id="dkst_residential_area", form_version=1)
    assert _refusal(exc) == (
        DeviceErrorCode.FORM_ENTITY_MISMATCH,
        {"form_id": "dkst_residential_area", "form_entity": "residential_area", "entity": "model"},
    )
    rid = dev.records.create("residential_area", area_values(), unit="24640").record_id
    with pytest.raises(Refused) as exc:
        dev.records.edit(rid, {"unit": "24643"})
    assert _refusal(exc) == (DeviceErrorCode.UNIT_IMMUTABLE, {"record_id": rid})
    dev.records.delete(rid)
    with pytest.raises(Refused) as exc:
        dev.records.edit(rid, {"households": 1})
    assert _refusal(exc) == (DeviceErrorCode.RECORD_DELETED, {"record_id": rid})
    with pytest.raises(Refused) as exc:
        dev.records.search_rows("model", fields_equal={"x') OR 1=1 --": 1})
    assert _refusal(exc)[0] == DeviceErrorCode.NOT_A_FIELD_NAME
    dev.close()


def test_what_is_not_on_the_device_is_a_lookup_error_with_a_code(device: Device) -> None:
    with pytest.raises(LookupError) as exc:
        device.records.get(MISSING)
    assert isinstance(exc.value, RecordNotFound)
    assert _refusal(exc) == (DeviceErrorCode.RECORD_NOT_FOUND, {"record_id": MISSING})
    with pytest.raises(UnknownForm) as exc:
        device.forms.get("dkst_model", 99)
    assert _refusal(exc) == (DeviceErrorCode.UNKNOWN_FORM, {"form_id": "dkst_model", "version": 99})


def test_a_refusal_is_still_a_value_error_and_reads_in_english(device: Device) -> None:
    """``dkst device`` prints ``str()``; callers that caught ValueError still catch it."""
    with pytest.raises(ValueError, match="unknown entity 'nonsense'; one of residential_area"):
        device.records.create("nonsense", {})
    assert str(SyncError("pull answer is not a JSON object")) == (
        "the server's answer cannot be used: pull answer is not a JSON object"
    )
    assert isinstance(SyncError("x"), RuntimeError) and SyncError("x").code == "bad_answer"


@pytest.mark.parametrize(
    ("changes", "code", "details"),
    [
        (
            {"photo_max_side": 100},
            DeviceErrorCode.SETTING_OUT_OF_RANGE,
            {"name": "photo_max_side", "low": 320, "high": 8000},
        ),
        (
            {"push_batch_size": 5000},
            DeviceErrorCode.SETTING_OUT_OF_RANGE,
            {"name": "push_batch_size", "low": 1, "high": 1000},
        ),
        (
            {"upload_chunk_size": 10},
            DeviceErrorCode.SETTING_TOO_SMALL,
            {"name": "upload_chunk_size", "low": 1024},
        ),
        (
            {"accuracy_accept_m": 200.0},
            DeviceErrorCode.GPS_THRESHOLDS,
            {"accept": 200.0, "warn": 100.0},
        ),
        (
            {"no_such_setting": 1, "other": 2},
            DeviceErrorCode.UNKNOWN_SETTING,
            {"names": "no_such_setting, other"},
        ),
    ],
)
def test_settings_refuse_with_codes(
    device: Device, changes: dict[str, object], code: str, details: dict[str, object]
) -> None:
    with pytest.raises(Refused) as exc:
        device.store.update_settings(**changes)
    assert _refusal(exc) == (code, details)
    assert device.store.settings() == DeviceSettings()  # nothing saved


def test_every_code_has_its_english_text() -> None:
    assert set(DeviceError.ENGLISH) == set(DeviceErrorCode)
