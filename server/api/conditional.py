"""Conditional GET for reference data (``ETag`` / ``If-None-Match`` → ``304``), RFC 9110 §13.

SYNC.md is silent on caching; a careful HTTP client (and ODK Collect's form list, CouchDB's
documents) expects a validator on data that rarely changes, so a device on a slow link can ask
"still the same?" and get a bodiless ``304`` instead of the list again. The tag is weak (``W/``):
it names the JSON content, and the gzip middleware may change the bytes on the wire.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request, Response
from pydantic import TypeAdapter

__all__ = ["NOT_MODIFIED", "conditional_json", "etag_matches"]

NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: `If-None-Match` names the current `ETag`; no body"},
}


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison of ``etag`` with an ``If-None-Match`` list (``*`` matches any)."""
    if not if_none_match:
        return False
    want = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == want:
            return True
    return False


def conditional_json(request: Request, adapter: TypeAdapter[Any], payload: Any) -> Response:
    """``payload`` as JSON (through ``adapter``, as ``response_model`` would) with a weak ETag of
    its content, or ``304`` with that ETag when the request's ``If-None-Match`` names it."""
    body = adapter.dump_json(adapter.validate_python(payload))
    etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
    # private: the list depends on who asks; no-cache: revalidate every time, which is the point.
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
