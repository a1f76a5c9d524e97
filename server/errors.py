"""The server's one error: a code of the shared catalogue, raised by services and the store's callers.

Services raise :class:`ServerError` with plain values only; ``server/api/errors.py`` is the one
place that turns it into an HTTP status, headers and the ``{"error": …}`` body of SYNC.md. (The
device's errors are ``mobile.core.http.ApiError``: what the server answered, seen from the phone.)
"""

from __future__ import annotations

from typing import Any

from shared_schema.errors import ErrorCode

__all__ = ["ApiError", "ServerError"]


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
        # HTTP headers belong to server/api/errors.py, which derives them from code and details;
        # this stays only for services/auth.py and services/sync.py until issue 7 lands.
        self.headers = headers or {}
        self.message = message


# TODO(lead): issue 7 in flight — services/auth.py, services/sync.py and the auth, admin and sync
# routes still say ApiError and import the HTTP helpers from here; switch them and drop these.
ApiError = ServerError


def __getattr__(name: str) -> Any:
    if name in ("error_response", "error_responses", "install_error_handlers", "lang_of"):
        from server.api import errors

        return getattr(errors, name)
    raise AttributeError(name)
