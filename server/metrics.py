"""Prometheus metrics (issue 21), served at ``GET /metrics`` to a holder of ``DKST_METRICS_TOKEN``.

What is counted:

- ``dkst_http_requests_total{method,route,status}`` and ``dkst_http_request_duration_seconds``
  ``{method,route}``: every request, by its route *template* (``/api/v1/attachments/{sha256}``,
  never the hash itself: a label per file would grow without bound); a path no route matched is
  ``route="unmatched"``;
- ``dkst_sync_push_batches_total``, ``dkst_sync_push_changes_total{status}`` (applied, conflict,
  rejected, …), ``dkst_sync_pull_pages_total``, ``dkst_sync_pull_records_total``;
- ``dkst_upload_bytes_total``: attachment bytes accepted;
- ``dkst_blob_store_errors_total``: calls the blob store did not answer.

Several worker processes on one host (``dkst serve --workers N``) each count apart; set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory for them (prometheus-client's multiprocess
mode) and any worker answers for all. Several hosts are several scrape targets.
"""

from __future__ import annotations

import hmac
import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "BLOB_ERRORS",
    "PULL_PAGES",
    "PULL_RECORDS",
    "PUSH_BATCHES",
    "PUSH_CHANGES",
    "UPLOAD_BYTES",
    "RequestMetrics",
    "exposition",
    "may_read",
]

REQUESTS = Counter(
    "dkst_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "dkst_http_request_duration_seconds",
    "Time to answer an HTTP request (to the last byte sent)",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
PUSH_BATCHES = Counter("dkst_sync_push_batches_total", "Push batches applied")
PUSH_CHANGES = Counter("dkst_sync_push_changes_total", "Pushed changes, by result", ["status"])
PULL_PAGES = Counter("dkst_sync_pull_pages_total", "Pull pages served")
PULL_RECORDS = Counter("dkst_sync_pull_records_total", "Records served by pulls")
UPLOAD_BYTES = Counter("dkst_upload_bytes_total", "Attachment bytes accepted")
BLOB_ERRORS = Counter("dkst_blob_store_errors_total", "Blob-store calls that failed")


def _route_of(scope: Scope) -> str:
    """The matched route's template with the prefix it was included under (``/api/v1``).

    FastAPI leaves the route of an included router in the scope without its prefix: the prefix is
    what comes before the part of the path that the route's own pattern matches.
    """
    route = scope.get("route")
    template, pattern = getattr(route, "path", None), getattr(route, "path_regex", None)
    if not isinstance(template, str):
        return "unmatched"
    path = str(scope.get("path", ""))
    for i, ch in enumerate(path):
        if ch == "/" and pattern is not None and pattern.fullmatch(path[i:]):
            return path[:i] + template
    return template


class RequestMetrics:
    """Counts and times every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route, method = _route_of(scope), str(scope.get("method", ""))
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - start)


def may_read(token: str, authorization: str | None) -> bool:
    """Whether a request's ``Authorization`` carries the metrics token (none set: nobody may)."""
    if not token:
        return False
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def exposition() -> tuple[bytes, str]:
    """The text format Prometheus scrapes, for this process or, in multiprocess mode, for all."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
