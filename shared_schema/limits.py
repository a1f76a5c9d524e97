"""Sizes both sides must agree on (SYNC.md): files, push batches, request bodies, pull pages.

The server may be configured to other file and body limits (``DKST_MAX_FILE_BYTES``,
``DKST_MAX_BODY_BYTES``); these are the defaults it starts with and the device assumes.
"""

from __future__ import annotations

__all__ = [
    "MAX_BATCH",
    "MAX_BODY_BYTES",
    "MAX_FILE_BYTES",
    "MIN_PASSWORD_LENGTH",
    "PULL_LIMIT_MAX",
    "PULL_LIMIT_MIN",
    "SQL_IN_CHUNK",
    "UPLOAD_CHUNK_SIZE",
]

MiB = 1024 * 1024

MAX_FILE_BYTES = 25 * MiB  # one evidence file
MAX_BODY_BYTES = 64 * MiB  # one request body, after gzip is undone
MAX_BATCH = 1000  # changes in one push
PULL_LIMIT_MIN = 1  # records in one pull page (``limit``)
PULL_LIMIT_MAX = 1000
UPLOAD_CHUNK_SIZE = 256 * 1024  # the device's default upload chunk (any size the body limit allows)
MIN_PASSWORD_LENGTH = 8  # a password set by the CLI or the staff web (the form says so too)
# Ids per SQL IN (…) on either side: far below every backend's bound-parameter limit.
SQL_IN_CHUNK = 500
