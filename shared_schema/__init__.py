"""DKST Field's shared schema: what the field app and the server agree on.

Pure Python and pydantic: entities, form definitions and their validation, administrative units,
the hybrid logical clock, the merge rule and the wire models of SYNC.md.
"""

from shared_schema.entities import ENTITIES, REVIEW_FIELDS, ROLES, SYSTEM_FIELDS
from shared_schema.errors import ChangeErrorCode, ErrorCode, error_message, http_status
from shared_schema.hlc import HLC, Clock, HLCError, format_hlc, parse_hlc
from shared_schema.merge import Change, FieldMeta, MergeResult, RecordState, merge
from shared_schema.text import nfc, nfc_deep, search_key

__version__ = "0.1.0"

__all__ = [
    "ENTITIES",
    "HLC",
    "REVIEW_FIELDS",
    "ROLES",
    "SYSTEM_FIELDS",
    "Change",
    "ChangeErrorCode",
    "Clock",
    "ErrorCode",
    "FieldMeta",
    "HLCError",
    "MergeResult",
    "RecordState",
    "__version__",
    "error_message",
    "format_hlc",
    "http_status",
    "merge",
    "nfc",
    "nfc_deep",
    "parse_hlc",
    "search_key",
]
