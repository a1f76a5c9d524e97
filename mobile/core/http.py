"""HTTP to the server over ``requests``: retries, backoff, error bodies, gzip.

What is retried, and why it is safe: network errors (connection refused or cut, timeouts,
a body cut short), 5xx and 429. Every request the app makes is safe to repeat: push by
``change_id`` (SYNC.md ``duplicate``), pull by cursor, uploads by offset. Delays grow
exponentially with full jitter (many phones reconnecting when a cell tower comes back must not
retry in step), capped, and a server's ``Retry-After`` is honoured as a lower bound.

Errors come back as :class:`DeviceApiError` with SYNC.md's ``code``; callers branch on
``shared_schema.errors.ErrorCode``, never on the message.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from shared_schema.errors import ErrorCode, code_for_status

__all__ = [
    "ApiClient",
    "DeviceApiError",
    "NeedsLogin",
    "PreparedJson",
    "RetryPolicy",
    "ServerUnreachable",
]


class DeviceApiError(Exception):
    """An error answer of SYNC.md as the device receives it: ``{"error": {"code", "message",
    "details"}}`` and its HTTP status (the server raises ``server.errors.ApiError`` to send one)."""

    def __init__(
        self, status: int, code: str, message: str, details: Any = None, *, headers: Any = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers: Mapping[str, str] = headers or {}


GZIP_LEVEL = 1


@dataclass(frozen=True)
class PreparedJson:
    """A request body serialized (and compressed) ahead of its request."""

    data: bytes
    headers: Mapping[str, str]


class NeedsLogin(DeviceApiError):
    """401: no token, or the server no longer accepts it. The officer must log in again."""


class ServerUnreachable(Exception):
    """Retries exhausted on network errors, 5xx or 429. Nothing is lost: sync again later."""


@dataclass
class RetryPolicy:
    max_attempts: int = 8
    base_s: float = 0.5
    cap_s: float = 60.0
    # Retry-After can be long (rate limits); a foreground sync should not hang for an hour.
    max_retry_after_s: float = 300.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)], at least ``Retry-After``."""
        backoff = random.uniform(0, min(self.cap_s, self.base_s * (2**attempt)))
        if retry_after is not None:
            return max(backoff, min(retry_after, self.max_retry_after_s))
        return backoff


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_from(resp: requests.Response) -> DeviceApiError:
    code, message, details = "", resp.reason or "", None
    try:
        body = resp.json()
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            code = str(err.get("code") or "")
            message = str(err.get("message") or message)
            details = err.get("details")
    except ValueError:
        pass
    if not code:
        # A proxy's or framework's own error page: name it by status so callers still branch.
        code = code_for_status(resp.status_code) or f"http_{resp.status_code}"
    cls = NeedsLogin if resp.status_code == 401 else DeviceApiError
    return cls(resp.status_code, str(code), message, details, headers=resp.headers)


def _truncated(method: str, resp: requests.Response) -> bool:
    """A response whose header block was cut short.

    http.client does not fail when the connection drops inside the headers: it returns what it
    got (often a bare "200") with an empty body. Every response of the server is framed by
    Content-Length or chunked encoding, so one with neither was cut. (HEAD is exempt and safe:
    a cut HEAD at worst restarts an upload at 0, which the server corrects with offset_mismatch.)
    """
    if method == "HEAD" or resp.status_code in (204, 304):
        return False
    headers = resp.headers
    return "Content-Length" not in headers and "Transfer-Encoding" not in headers


_RETRY_EXC = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class ApiClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        gzip_requests: bool = True,
        retry: RetryPolicy | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        on_server_time: Callable[[int], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.gzip_requests = gzip_requests
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.on_server_time = on_server_time
        self._sleep = sleep
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "dkst-field-mobile/1"
        self.session.headers["Accept-Encoding"] = "gzip"

    def close(self) -> None:
        self.session.close()

    def worker_copy(self) -> ApiClient:
        """A client like this one on its own session, for another thread (a ``requests``
        session is not shared between threads). It does not report the server's time: that
        callback writes to the device's store, which stays on the thread that opened it."""
        return ApiClient(
            self.base_url,
            token=self.token,
            gzip_requests=self.gzip_requests,
            retry=self.retry,
            timeout=self.timeout,
            sleep=self._sleep,
        )

    def url(self, path: str) -> str:
        return f"{self.base_url}/api/v1{path}"

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: tuple[int, ...] = (200,),
        auth: bool = True,
        retry_on: Callable[[requests.Response], bool] | None = None,
    ) -> requests.Response:
        """Send with retries; return a response whose status is in ``ok`` or raise.

        ``json_body`` is a value sent as JSON (see ``prepare_json``), or a ``PreparedJson``.
        """
        hdrs: dict[str, str] = dict(headers or {})
        body: bytes | Mapping[str, str] | None = data
        if json_body is not None:
            prepared = (
                json_body if isinstance(json_body, PreparedJson) else self.prepare_json(json_body)
            )
            body = prepared.data
            hdrs.update(prepared.headers)
        if auth:
            if not self.token:
                raise NeedsLogin(401, ErrorCode.UNAUTHORIZED, "not logged in on this device")
            hdrs["Authorization"] = f"Bearer {self.token}"

        attempt = 0
        last_problem = ""
        while True:
            retry_after: float | None = None
            try:
                resp = self.session.request(
                    method,
                    self.url(path),
                    data=body,
                    params=params,
                    headers=hdrs,
                    timeout=self.timeout,
                )
                # Reading the body inside the try: a cut mid-body is a network error too.
                _ = resp.content
            except _RETRY_EXC as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                # A half-read keep-alive connection must not be reused.
                self.session.close()
            else:
                if _truncated(method, resp):
                    last_problem = "response cut inside its headers"
                    self.session.close()
                    attempt += 1
                    if attempt >= self.retry.max_attempts:
                        raise ServerUnreachable(f"{method} {path}: {last_problem}")
                    self._sleep(self.retry.delay(attempt - 1))
                    continue
                self._note_date(resp)
                if resp.status_code in ok:
                    return resp
                transient = resp.status_code >= 500 or resp.status_code == 429
                if retry_on is not None and retry_on(resp):
                    transient = True
                if not transient:
                    raise _error_from(resp)
                retry_after = _retry_after(resp.headers.get("Retry-After"))
                last_problem = f"HTTP {resp.status_code}"
            attempt += 1
            if attempt >= self.retry.max_attempts:
                raise ServerUnreachable(
                    f"{method} {path}: gave up after {attempt} attempts ({last_problem})"
                )
            self._sleep(self.retry.delay(attempt - 1, retry_after))

    def prepare_json(self, value: Any) -> PreparedJson:
        """A JSON body as it will be sent: ``value`` serialized (``bytes`` are taken as JSON
        already: the push builds its body from the outbox's stored text) and gzipped when the
        setting says so. The push prepares the next batch's while the last one is out."""
        raw = (
            value
            if isinstance(value, bytes)
            else json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        )
        headers = {"Content-Type": "application/json"}
        if self.gzip_requests:
            # Level 1 (issue 22): a push batch of 500 records of ~2 KB of Vietnamese text takes a
            # quarter of level 6's CPU (about 11 against 44 ms here) for about a third more
            # bytes (35 % of the JSON against 26 %); level 6 was 45 % of the device's push CPU.
            raw = gzip.compress(raw, compresslevel=GZIP_LEVEL)
            headers["Content-Encoding"] = "gzip"
        return PreparedJson(raw, headers)

    def _note_date(self, resp: requests.Response) -> None:
        if self.on_server_time is None:
            return
        date = resp.headers.get("Date")
        if not date:
            return
        try:
            ms = int(parsedate_to_datetime(date).timestamp() * 1000)
        except (TypeError, ValueError):
            return
        # Date is truncated to the second: add half of one so the expected error is zero.
        self.on_server_time(ms + 500)

    def get_json(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw).json()
