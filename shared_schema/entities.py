"""The entities of SYNC.md and the fields every record carries whatever its form."""

from __future__ import annotations

__all__ = [
    "ENTITIES",
    "REVIEW_FIELDS",
    "REVIEW_STATES",
    "REVIEW_STATE_LABELS",
    "ROLES",
    "SERVER_FIELDS",
    "SYSTEM_FIELDS",
]

ENTITIES: tuple[str, ...] = (
    "residential_area",
    "model",
    "visit",
    "evidence",
    "initiative",
    "activity",
)

# Fields every record has in its `fields` map, beside the form's own.
SYSTEM_FIELDS: frozenset[str] = frozenset(
    {"unit", "form_id", "form_version", "review_state", "review_comment", "unit_before_2025"}
)
# Set by the server only (SYNC.md "Units and the 2025 reform": the unit a record had before the
# reform moved it); ``forbidden_field`` in any push.
SERVER_FIELDS: frozenset[str] = frozenset({"unit_before_2025"})

# Only commune staff and above may set these (SYNC.md: `forbidden_field` otherwise).
REVIEW_FIELDS: frozenset[str] = frozenset({"review_state", "review_comment"})
# resubmitted: an officer's fix of a returned record, waiting for the reviewer again (SYNC.md
# "Records"; shared_schema.merge.resubmit).
REVIEW_STATES: tuple[str, ...] = ("pending", "approved", "returned", "resubmitted")
# The states as the app, the pages and the exports show them (Vietnamese, English): one place.
REVIEW_STATE_LABELS: dict[str, tuple[str, str]] = {
    "pending": ("Chờ duyệt", "Awaiting review"),
    "approved": ("Đã duyệt", "Approved"),
    "returned": ("Trả lại", "Returned"),
    "resubmitted": ("Đã sửa, chờ duyệt lại", "Corrected, to review again"),
}

ROLES: tuple[str, ...] = ("field_officer", "commune_staff", "district_staff", "admin")
