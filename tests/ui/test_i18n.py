"""The app's translation table: the core's refusal codes worded in both languages, review states
from shared_schema, and no exception's own text on screen. No window needed."""

from __future__ import annotations

import re

import pytest

from mobile.core.errors import DeviceError, DeviceErrorCode, Refused, SyncError
from mobile.ui.i18n import LANGS, STRINGS, device_error_text, tr
from shared_schema.entities import REVIEW_STATES

# Details each code is raised with (mobile/core: records, forms, settings, sync, device).
DETAILS: dict[DeviceErrorCode, dict[str, object]] = {
    DeviceErrorCode.UNKNOWN_ENTITY: {"entity": "nonsense"},
    DeviceErrorCode.FORM_ENTITY_MISMATCH: {
        "form_id": "dkst_model",
        "form_entity": "model",
        "entity": "visit",
    },
    DeviceErrorCode.UNKNOWN_FORM: {"form_id": "dkst_model", "version": 9},
    DeviceErrorCode.NO_FORM: {"entity": "model"},
    DeviceErrorCode.RECORD_NOT_FOUND: {"record_id": "0b6e"},
    DeviceErrorCode.RECORD_DELETED: {"record_id": "0b6e"},
    DeviceErrorCode.UNIT_REQUIRED: {},
    DeviceErrorCode.UNIT_IMMUTABLE: {"record_id": "0b6e"},
    DeviceErrorCode.NOT_A_FIELD_NAME: {"name": "X"},
    DeviceErrorCode.UNKNOWN_SETTING: {"names": "colour"},
    DeviceErrorCode.SETTING_OUT_OF_RANGE: {"name": "photo_max_side", "low": 320, "high": 8000},
    DeviceErrorCode.SETTING_TOO_SMALL: {"name": "upload_chunk_size", "low": 1024},
    DeviceErrorCode.GPS_THRESHOLDS: {"accept": 0.0, "warn": 100.0},
    DeviceErrorCode.INVALID_DEVICE_ID: {"device_id": "a b"},
    DeviceErrorCode.BAD_ANSWER: {"what": "pull answer is not a JSON object"},
    DeviceErrorCode.INVALID_LATITUDE: {"value": "112.5"},
    DeviceErrorCode.INVALID_LONGITUDE: {"value": "107,77,1"},
    DeviceErrorCode.INVALID_ACCURACY: {"value": "mười"},
}


@pytest.mark.parametrize("code", list(DeviceErrorCode))
@pytest.mark.parametrize("lang", LANGS)
def test_every_refusal_code_is_worded(code: DeviceErrorCode, lang: str) -> None:
    assert f"error.{code}" in STRINGS
    text = device_error_text(DeviceError(code, **DETAILS[code]), lang)
    assert text and not text.startswith("error.") and "{" not in text
    if lang == "vi":  # worded here, not the English of the CLI and the logs
        assert text != str(DeviceError(code, **DETAILS[code]))


def test_refusals_read_in_the_officers_language() -> None:
    err = Refused(DeviceErrorCode.UNIT_REQUIRED)
    assert device_error_text(err, "vi") == (
        "Cần chọn đơn vị: tài khoản này làm việc ở nhiều đơn vị."
    )
    assert device_error_text(err, "en") == "Choose a unit: this account works in several units."
    assert device_error_text(SyncError("not JSON"), "vi").startswith(
        "Máy chủ trả lời không đúng định dạng"
    )


def test_review_states_are_not_worded_here() -> None:
    """They come from shared_schema.entities.REVIEW_STATE_LABELS, through review_state_label."""
    assert [k for k in STRINGS if k.startswith("review.")] == []
    assert REVIEW_STATES  # and the screens still have states to show


@pytest.mark.parametrize("key", ["error.unexpected", "form.disk", "photo.unreadable"])
def test_no_exception_text_is_shown(key: str) -> None:
    """These follow an exception the app did not expect or the system raised: its text (English,
    technical) stays in the log, the officer reads a sentence with no placeholder for it."""
    assert all(re.search(r"\{\w+\}", text) is None for text in STRINGS[key])


def test_english_counts_agree_with_their_number() -> None:
    assert tr("home.unsent", "en", pending=1, drafts=2, rejected=0, files=1) == (
        "Not sent: 1 change, 2 drafts, 0 refused, 1 file"
    )
    assert tr("list.count", "en", n=1) == "1 result"
    assert tr("list.count", "en", n="50+") == "50+ results"
    assert tr("record.conflicts", "en", n=1) == "1 field was also changed on another device"
    # Vietnamese nouns do not change with the count.
    assert tr("home.unsent", "vi", pending=1, drafts=2, rejected=0, files=1) == (
        "Chưa gửi: 1 thay đổi, 2 bản nháp, 0 bị từ chối, 1 tệp"
    )


def test_no_english_count_is_left_plural_for_one() -> None:
    """A count before an English noun says which form goes with one: ``{n:# change|# changes}``."""
    bare = re.compile(r"\{\w+\} (changes|drafts|files|records|results|fields|conflicts)\b")
    assert [k for k, (_, en) in STRINGS.items() if bare.search(en)] == []
