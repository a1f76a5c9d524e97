"""What the device core refuses, as a stable code with its details, never a sentence for a person.

The app words a code in the officer's language (``mobile/ui/i18n.py``, keys ``error.<code>``);
``str()`` is English, for the ``dkst device`` commands and the logs, as the server's
``UserError`` does. Screens branch on ``code``, never on the text (STYLE.md habit 3).

The classes keep the built-in bases callers already catch: a refused value is a ``ValueError``,
a record or a form that is not on the device a ``LookupError``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from shared_schema.entities import ENTITIES

__all__ = [
    "DeviceError",
    "DeviceErrorCode",
    "RecordNotFound",
    "Refused",
    "SyncError",
    "UnknownForm",
]


class DeviceErrorCode(StrEnum):
    UNKNOWN_ENTITY = "unknown_entity"  # entity
    FORM_ENTITY_MISMATCH = "form_entity_mismatch"  # form_id, form_entity, entity
    UNKNOWN_FORM = "unknown_form"  # form_id, version
    NO_FORM = "no_form"  # entity
    RECORD_NOT_FOUND = "record_not_found"  # record_id
    RECORD_DELETED = "record_deleted"  # record_id
    UNIT_REQUIRED = "unit_required"
    UNIT_IMMUTABLE = "unit_immutable"  # record_id
    NOT_A_FIELD_NAME = "not_a_field_name"  # name
    UNKNOWN_SETTING = "unknown_setting"  # names
    SETTING_OUT_OF_RANGE = "setting_out_of_range"  # name, low, high
    SETTING_TOO_SMALL = "setting_too_small"  # name, low
    GPS_THRESHOLDS = "gps_thresholds"  # accept, warn
    INVALID_DEVICE_ID = "invalid_device_id"  # device_id
    BAD_ANSWER = "bad_answer"  # what (English, for the logs)
    INVALID_LATITUDE = "invalid_latitude"  # value (as typed)
    INVALID_LONGITUDE = "invalid_longitude"  # value
    INVALID_ACCURACY = "invalid_accuracy"  # value


class DeviceError(Exception):
    """A ``code`` of :class:`DeviceErrorCode` and the ``details`` its wording may use."""

    ENGLISH: ClassVar[dict[DeviceErrorCode, str]] = {
        DeviceErrorCode.UNKNOWN_ENTITY: "unknown entity {entity!r}; one of " + ", ".join(ENTITIES),
        DeviceErrorCode.FORM_ENTITY_MISMATCH: "form {form_id} is for {form_entity}, not {entity}",
        DeviceErrorCode.UNKNOWN_FORM: "form {form_id} v{version} is not on this device",
        DeviceErrorCode.NO_FORM: "no form for {entity} on this device",
        DeviceErrorCode.RECORD_NOT_FOUND: "no record {record_id} on this device",
        DeviceErrorCode.RECORD_DELETED: "this record is deleted",
        DeviceErrorCode.UNIT_REQUIRED: "unit is required: this account works in several units",
        DeviceErrorCode.UNIT_IMMUTABLE: "a record's unit cannot change (SYNC.md unit_immutable)",
        DeviceErrorCode.NOT_A_FIELD_NAME: "not a field name: {name!r}",
        DeviceErrorCode.UNKNOWN_SETTING: "unknown settings: {names}",
        DeviceErrorCode.SETTING_OUT_OF_RANGE: "{name} must be {low}..{high}",
        DeviceErrorCode.SETTING_TOO_SMALL: "{name} must be at least {low}",
        DeviceErrorCode.GPS_THRESHOLDS: "accuracy thresholds must satisfy 0 < accept <= warn",
        DeviceErrorCode.INVALID_DEVICE_ID: "device id must match [A-Za-z0-9_.:-]{{1,64}}",
        DeviceErrorCode.BAD_ANSWER: "the server's answer cannot be used: {what}",
        DeviceErrorCode.INVALID_LATITUDE: "latitude {value!r}: decimal degrees, -90..90, at most 8 decimals",
        DeviceErrorCode.INVALID_LONGITUDE: "longitude {value!r}: decimal degrees, -180..180, at most 8 decimals",
        DeviceErrorCode.INVALID_ACCURACY: "accuracy {value!r}: metres, 0 or more, or nothing",
    }

    def __init__(self, code: DeviceErrorCode, **details: Any) -> None:
        self.code = code
        self.details = details
        super().__init__(self.ENGLISH[code].format(**details))


class Refused(DeviceError, ValueError):
    """A value or a request the core does not take; nothing was saved."""


class RecordNotFound(DeviceError, LookupError):
    def __init__(self, record_id: str) -> None:
        super().__init__(DeviceErrorCode.RECORD_NOT_FOUND, record_id=record_id)


class UnknownForm(DeviceError, LookupError):
    """No form (``no_form``), or not that version (``unknown_form``), for this entity here."""


class SyncError(DeviceError, RuntimeError):
    """The server answered something this client cannot go on from (not a network problem)."""

    def __init__(self, what: str) -> None:
        super().__init__(DeviceErrorCode.BAD_ANSWER, what=what)
