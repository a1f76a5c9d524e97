"""Facts both sides share: limits, the UUID pattern, the time format, error statuses, choices."""

from __future__ import annotations

import uuid

import pytest

from shared_schema import limits
from shared_schema.choices import REVIEW_STATES, choice_values, content_areas
from shared_schema.entities import REVIEW_STATES as ENTITY_REVIEW_STATES
from shared_schema.errors import ErrorCode, code_for_status, http_status
from shared_schema.ids import UUID_ANY_CASE_RE, UUID_RE, is_uuid
from shared_schema.isotime import iso, now_ms, parse_ms
from shared_schema.validation import DEFAULT_MAX_FILE_SIZE
from shared_schema.wire import MAX_BATCH, PushRequest


def test_limits_are_the_ones_the_schema_enforces() -> None:
    assert limits.MAX_BATCH == MAX_BATCH == 1000
    assert PushRequest.model_fields["changes"].metadata[0].max_length == limits.MAX_BATCH
    assert limits.MAX_FILE_BYTES == DEFAULT_MAX_FILE_SIZE == 25 * 1024 * 1024
    assert limits.MAX_BODY_BYTES == 64 * 1024 * 1024
    assert (limits.PULL_LIMIT_MIN, limits.PULL_LIMIT_MAX) == (1, 1000)
    assert limits.UPLOAD_CHUNK_SIZE < limits.MAX_BODY_BYTES


def test_uuid_pattern() -> None:
    value = str(uuid.uuid4())
    assert UUID_RE.fullmatch(value) and is_uuid(value) and is_uuid(value, any_case=False)
    assert UUID_ANY_CASE_RE.fullmatch(value.upper()) and is_uuid(value.upper())
    assert not is_uuid(value.upper(), any_case=False)
    for bad in (value[:-1], value + "0", value.replace("-", ""), None, 7, f" {value}"):
        assert not is_uuid(bad)


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (1_767_225_600_123, "2026-01-01T00:00:00.123Z"),
        (1_767_225_599_999, "2025-12-31T23:59:59.999Z"),
    ],
)
def test_iso_round_trip(ms: int, text: str) -> None:
    assert iso(ms) == text
    assert parse_ms(text) == ms


def test_parse_ms_reads_offsets_and_refuses_nonsense() -> None:
    assert parse_ms("2026-01-01T07:00:00+07:00") == 1_767_225_600_000
    assert parse_ms("2026-01-01T00:00:00") == 1_767_225_600_000  # naive: UTC
    assert parse_ms("yesterday") is None
    assert parse_ms("") is None
    now = now_ms()
    assert abs(parse_ms(iso()) - now) < 5_000  # type: ignore[operator]


def test_every_error_code_has_a_status_and_bare_statuses_map_back() -> None:
    for code in ErrorCode:
        assert 400 <= http_status(code) < 600
    for status in (401, 404, 405, 429, 503):
        code = code_for_status(status)
        assert code is not None and http_status(code) == status
    assert code_for_status(403) is None  # forbidden, revoked or disabled: the body must say
    assert code_for_status(502) is None


def test_content_areas_and_review_states_come_from_the_forms() -> None:
    assert content_areas() == ("1", "2", "3", "4", "5")
    assert choice_values("model", "status")[0] == "building"
    assert REVIEW_STATES is ENTITY_REVIEW_STATES
    with pytest.raises(LookupError):
        choice_values("model", "no_such_field")
