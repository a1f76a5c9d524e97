"""The server's one error: a code of the shared catalogue, raised by services and the store's callers.

Services raise :class:`ServerError` with plain values only; ``server/api/errors.py`` is the one
place that turns it into an HTTP status, headers and the ``{"error": …}`` body of SYNC.md. (The
device's errors are ``mobile.core.http.DeviceApiError``: what the server answered, seen from the phone.)
"""

from __future__ import annotations

from typing import Any

from shared_schema.errors import ErrorCode

__all__ = ["ServerError"]


class ServerError(Exception):
    """A catalogue ``code`` with its ``details`` (a JSON object for the client, or None)."""

    def __init__(
        self,
        code: ErrorCode,
        details: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(code.value)
        self.code = code
        self.details = details
        # Headers a client needs with this error (Retry-After of a login limit, WWW-Authenticate).
        self.headers = headers or {}
        self.message = message
