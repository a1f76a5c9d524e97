"""Pydantic models of every SYNC.md request and response, and the lenient parser of push changes.

Whole-request shapes are strict models (unknown keys refused). A change inside a push is parsed by
:func:`parse_change`, which never raises: whatever is wrong with one change becomes that change's
``rejected`` result, so one bad change never stops the others.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared_schema.entities import ENTITIES
from shared_schema.errors import ChangeErrorCode
from shared_schema.hlc import HLCError, parse_hlc
from shared_schema.ids import is_uuid
from shared_schema.limits import MAX_BATCH
from shared_schema.merge import Change

__all__ = [
    "MAX_BATCH",
    "ChangeIn",
    "ChangeResult",
    "ErrorBody",
    "ErrorDetail",
    "FieldError",
    "FormSummary",
    "Health",
    "I18nText",
    "PullResponse",
    "PushRequest",
    "PushResponse",
    "RecordOut",
    "TokenResponse",
    "UnitOut",
    "UserInfo",
    "is_uuid",
    "parse_change",
]

_CHANGE_KEYS = frozenset({"change_id", "entity", "record_id", "op", "base_rev", "hlc", "fields"})
_MAX_BASE_REV = 2**62


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class I18nText(_Strict):
    vi: str
    en: str


# ---------------------------------------------------------------------------- errors
class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class FieldError(BaseModel):
    field: str | None
    code: str
    message: str


# ---------------------------------------------------------------------------- auth
class UserInfo(BaseModel):
    username: str
    role: Literal["field_officer", "commune_staff", "district_staff", "admin"]
    units: list[str]


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    user: UserInfo


# ---------------------------------------------------------------------------- reference data
class FormSummary(BaseModel):
    form_id: str
    version: int
    entity: str
    sha256: str
    title: I18nText


class UnitOut(BaseModel):
    code: str
    name: str
    level: str
    parent: str | None
    # legacy: the 3-tier units in force until 30 June 2025; current: the 2-tier units since
    # 1 July 2025 (SYNC.md "Reference data"). A server works in one tree at a time.
    tree: Literal["legacy", "current"]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    api: int = 1
    version: str


# ---------------------------------------------------------------------------- records and sync
class RecordOut(BaseModel):
    entity: str
    record_id: str
    rev: int
    fields: dict[str, Any]
    deleted: bool
    updated_at: str


class ChangeIn(_Strict):
    """The documented shape of one change (for clients and the OpenAPI schema)."""

    change_id: str
    entity: str
    record_id: str
    op: Literal["upsert", "delete"]
    base_rev: int | None = None
    hlc: str
    fields: dict[str, Any] = Field(default_factory=dict)


class PushRequest(_Strict):
    device_id: str
    changes: list[ChangeIn] = Field(max_length=MAX_BATCH)


class ChangeResult(BaseModel):
    change_id: str | None
    status: Literal["applied", "conflict", "duplicate", "rejected"]
    rev: int | None
    conflicts: list[str] = Field(default_factory=list)
    errors: list[FieldError] = Field(default_factory=list)


class PushResponse(BaseModel):
    results: list[ChangeResult]


class PullResponse(BaseModel):
    records: list[RecordOut]
    next_cursor: str
    has_more: bool


# ---------------------------------------------------------------------------- change parsing
_NOT_JSON = object()


def _nfc_json(value: Any, depth: int = 0) -> Any:
    """``nfc_deep(value)`` when ``value`` is JSON (no NaN/Infinity, nesting bounded), else
    ``_NOT_JSON``: the check and the normalization in one walk (a sixth of a push's CPU was two)."""
    if depth > 32:
        return _NOT_JSON
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _NOT_JSON
    if isinstance(value, list):
        items = []
        for v in value:
            n = _nfc_json(v, depth + 1)
            if n is _NOT_JSON:
                return _NOT_JSON
            items.append(n)
        return items
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                return _NOT_JSON
            if type(v) is str and depth < 32:  # the common case, without a call
                n = unicodedata.normalize("NFC", v)
            else:
                n = _nfc_json(v, depth + 1)
                if n is _NOT_JSON:
                    return _NOT_JSON
            out[unicodedata.normalize("NFC", k)] = n
        return out
    return _NOT_JSON


def parse_change(
    raw: object, *, device_id: str
) -> tuple[Change | None, str | None, list[tuple[str | None, ChangeErrorCode]]]:
    """Check one change's shape. Returns ``(change, change_id, errors)``; never raises.

    ``change`` is ``None`` when there are errors. ``change_id`` is the client's id when it is a
    UUID string (else ``None``, as SYNC.md asks). Strings are returned in NFC.
    """
    if not isinstance(raw, dict):
        return None, None, [(None, ChangeErrorCode.INVALID_CHANGE)]
    change_id = raw.get("change_id")
    cid = change_id if is_uuid(change_id) else None
    errors: list[tuple[str | None, ChangeErrorCode]] = []
    if cid is None:
        errors.append(("change_id", ChangeErrorCode.INVALID_CHANGE))
    for key in raw.keys() - _CHANGE_KEYS:
        errors.append((str(key)[:64], ChangeErrorCode.INVALID_CHANGE))

    entity = raw.get("entity")
    if not isinstance(entity, str):
        errors.append(("entity", ChangeErrorCode.INVALID_CHANGE))
    elif entity not in ENTITIES:
        errors.append(("entity", ChangeErrorCode.UNKNOWN_ENTITY))
    record_id = raw.get("record_id")
    if not is_uuid(record_id):
        errors.append(("record_id", ChangeErrorCode.INVALID_CHANGE))
    op = raw.get("op")
    if op not in ("upsert", "delete"):
        errors.append(("op", ChangeErrorCode.INVALID_CHANGE))
    base_rev = raw.get("base_rev")
    if base_rev is not None and (
        isinstance(base_rev, bool)
        or not isinstance(base_rev, int)
        or not 0 <= base_rev < _MAX_BASE_REV
    ):
        errors.append(("base_rev", ChangeErrorCode.INVALID_CHANGE))
    hlc = raw.get("hlc")
    try:
        parsed = parse_hlc(hlc)
        if parsed.device_id != device_id:
            errors.append(("hlc", ChangeErrorCode.DEVICE_MISMATCH))
    except HLCError:
        errors.append(("hlc", ChangeErrorCode.INVALID_CHANGE))
    fields = raw.get("fields", {} if op == "delete" else None)
    clean = _nfc_json(fields) if isinstance(fields, dict) else _NOT_JSON
    if clean is _NOT_JSON or (op == "delete" and fields):
        errors.append(("fields", ChangeErrorCode.INVALID_CHANGE))

    if errors:
        return None, cid, errors
    assert isinstance(clean, dict) and isinstance(hlc, str)
    change = Change(
        change_id=str(cid).lower(),
        entity=str(entity),
        record_id=str(record_id).lower(),
        op=op,  # type: ignore[arg-type]
        base_rev=base_rev,
        hlc=hlc,
        fields=clean,
    )
    return change, cid, []
