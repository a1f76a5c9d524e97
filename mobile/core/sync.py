"""One sync: push the outbox, pull what changed, refresh forms and units, upload evidence files.

Order and why: records first (small, what reports count), files last (large; an evidence record
may name a file the server does not have yet — SYNC.md counts it as missing until it arrives).
The pull comes after the push so the device ends with the server's merged state of its own edits.
When an edit of a record the server has waits to be pushed, a pull comes before the push too: a
conflict's answer names the fields, not the other device's value, and when this device's value
wins the pull never brings the value it overwrote. Pulled first, that value is in the device's
copy of the server's state when the answer comes, and the outbox keeps it for the officer
(``Outbox.apply_results``). It costs a request when nothing changed; a sync of new records only
(no edits) goes without it.

Every step is resumable at any byte: the outbox marks a change sent only with the server's
result in hand; the pull cursor moves in the same transaction as the page it belongs to; an upload
goes on from the server's ``Upload-Offset`` (mobile/core/uploads.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mobile.core.clock import utc_now
from mobile.core.errors import SyncError
from mobile.core.forms import FormCatalog
from mobile.core.http import ApiClient, DeviceApiError, PreparedJson
from mobile.core.media import MediaStore
from mobile.core.outbox import Outbox
from mobile.core.pipeline import RequestAhead
from mobile.core.records import Records
from mobile.core.store import Store
from mobile.core.store import reference as stored_reference
from mobile.core.uploads import upload_files
from shared_schema.errors import ErrorCode

__all__ = ["Progress", "SyncError", "SyncReport", "Synchronizer"]

MAX_RESTAMP_PASSES = 3
UNITS_ETAG = "units_etag"  # the device state key of the last ``GET /units`` list's ETag


@dataclass(frozen=True)
class Progress:
    phase: str  # push | pull | upload | done
    records_done: int
    records_total: int | None  # None while pulling: the server does not say how many are left
    bytes_done: int
    bytes_total: int


@dataclass
class SyncReport:
    pushed: int = 0
    applied: int = 0
    conflicts: int = 0
    duplicates: int = 0
    rejected: int = 0
    restamped: int = 0
    pulled: int = 0
    pages: int = 0
    forms_added: int = 0
    files_uploaded: int = 0
    files_failed: int = 0
    bytes_uploaded: int = 0
    problems: list[str] = field(default_factory=list)


ProgressFn = Callable[[Progress], None]


class Synchronizer:
    def __init__(
        self,
        *,
        store: Store,
        client: ApiClient,
        device_id: str,
        records: Records,
        outbox: Outbox,
        forms: FormCatalog,
        media: MediaStore,
        progress: ProgressFn | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.device_id = device_id
        self.records = records
        self.outbox = outbox
        self.forms = forms
        self.media = media
        self._progress = progress or (lambda p: None)

    def run(self, *, upload: bool = True) -> SyncReport:
        report = SyncReport()
        with self.store.transaction():
            self.store.set_state("last_sync_started_at", utc_now())
        if self.outbox.has_pending_edit():
            self.pull(report)
        self.push(report)
        self.forms_and_units(report)
        self.pull(report)
        if upload:
            self.upload_files(report)
        with self.store.transaction():
            self.store.set_state("last_sync_at", utc_now())
            self.store.set_state("last_sync_report", report.__dict__)
        self._progress(
            Progress(
                "done",
                report.pushed + report.pulled,
                None,
                report.bytes_uploaded,
                report.bytes_uploaded,
            )
        )
        return report

    # ------------------------------------------------------------------ push
    def push(self, report: SyncReport) -> None:
        """Sweep the outbox in batches, one batch ahead (``mobile.core.pipeline``): batch k+1
        goes out as soon as k's results are in, and k's results are stored while it is out.

        Changes re-stamped for the device clock go back to pending below the sweep; a new sweep
        takes them (at most ``MAX_RESTAMP_PASSES``)."""
        batch_size = self.store.settings().push_batch_size
        total = self.outbox.pending_count()
        passes = 0
        with RequestAhead(self.client) as ahead:
            while True:
                batch_size, restamped = self._push_sweep(ahead, report, batch_size, total)
                if not restamped:
                    break
                passes += 1
                if passes > MAX_RESTAMP_PASSES:
                    report.problems.append("changes still refused for the device clock")
                    break

    def _push_sweep(
        self, ahead: RequestAhead, report: SyncReport, batch_size: int, total: int
    ) -> tuple[int, int]:
        """One pass over the pending changes in save order; (batch size, changes re-stamped)."""
        restamped = 0
        batch = self.outbox.next_batch(batch_size)
        inflight = ahead.submit(self._post_push, self._prepare(batch)) if batch else None
        while inflight is not None:
            # While this batch is on the server: the next one read, marked and compressed.
            following = self.outbox.next_batch(batch_size, after=batch[-1]["seq"])
            body = self._prepare(following) if following else None
            try:
                results = ahead.result(inflight)
            except DeviceApiError as exc:
                if (
                    exc.code in (ErrorCode.BATCH_TOO_LARGE, ErrorCode.BODY_TOO_LARGE)
                    and batch_size > 1
                ):
                    batch_size = max(1, batch_size // 2)  # big photos' fields, a smaller limit
                    batch = self.outbox.next_batch(batch_size, after=batch[0]["seq"] - 1)
                    inflight = ahead.submit(self._post_push, self._prepare(batch))
                    continue
                raise
            # The next batch is on its way while this one's results go into the store.
            inflight = ahead.submit(self._post_push, body) if body is not None else None
            if not isinstance(results, list):
                raise SyncError("push answer has no results list")
            _, n = self.outbox.apply_results(batch, results)
            for res in results:
                status = res.get("status")
                report.applied += status == "applied"
                report.conflicts += status == "conflict"
                report.duplicates += status == "duplicate"
                report.rejected += status == "rejected"
            report.pushed += len(batch)
            report.restamped += n
            restamped += n
            done = max(0, total - self.outbox.pending_count())
            self._progress(Progress("push", done, total, 0, 0))
            batch = following
        return batch_size, restamped

    def _prepare(self, batch: list[dict[str, Any]]) -> PreparedJson:
        """Mark the batch attempted (it may reach the server from now on: a re-stamp must keep
        its change ids) and build its body, serialized and compressed."""
        self.outbox.note_attempt([b["seq"] for b in batch])
        return self.client.prepare_json(self.outbox.push_body(self.device_id, batch))

    def _post_push(self, body: PreparedJson) -> Any:
        """On the worker thread: the request and its JSON (no store here)."""
        resp = self.client.request("POST", "/sync/push", json_body=body)
        return _json(resp).get("results")

    # ------------------------------------------------------------------ reference data
    def forms_and_units(self, report: SyncReport) -> None:
        report.forms_added = self.forms.refresh(self.client)
        # The units rarely change: ask with the last list's ETag, a 304 has no body to send.
        etag = self.store.get_state(UNITS_ETAG)
        resp = self.client.request(
            "GET", "/units", headers={"If-None-Match": etag} if etag else None, ok=(200, 304)
        )
        if resp.status_code == 304:
            return
        units = resp.json()
        if isinstance(units, list):
            with self.store.transaction():
                stored_reference.replace_units(self.store, units)
                if resp.headers.get("ETag"):
                    self.store.set_state(UNITS_ETAG, resp.headers["ETag"])
                else:
                    self.store.delete_state(UNITS_ETAG)

    # ------------------------------------------------------------------ pull
    def pull(self, report: SyncReport) -> None:
        """Follow the cursor, one page ahead: page k+1 is asked for (its cursor came with page k)
        while page k goes into the store."""
        limit = self.store.settings().pull_page_size
        cursor = self.store.get_state("pull_cursor")
        done = 0
        with RequestAhead(self.client) as ahead:
            inflight = ahead.submit(self._get_page, cursor, limit)
            while True:
                try:
                    page = ahead.result(inflight)
                except DeviceApiError as exc:
                    if exc.code == ErrorCode.INVALID_CURSOR and cursor:
                        # The server no longer knows our cursor (restored from a backup): read
                        # all again. Upserts keep the higher rev, so this only costs bandwidth.
                        cursor = None
                        inflight = ahead.submit(self._get_page, cursor, limit)
                        continue
                    raise
                records = page.get("records")
                next_cursor = page.get("next_cursor")
                if not isinstance(records, list) or not isinstance(next_cursor, str):
                    raise SyncError("pull answer is not {records, next_cursor, has_more}")
                if page.get("has_more"):
                    inflight = ahead.submit(self._get_page, next_cursor, limit)
                with self.store.transaction():
                    self.records.apply_server_records(records)
                    self.store.set_state("pull_cursor", next_cursor)
                cursor = next_cursor
                done += len(records)
                report.pulled += len(records)
                report.pages += 1
                self._progress(Progress("pull", done, None, 0, 0))
                if not page.get("has_more"):
                    break

    def _get_page(self, cursor: str | None, limit: int) -> dict[str, Any]:
        """On the worker thread: one page and its JSON (no store here)."""
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = self.client.get_json("/sync/pull", params=params)
        if not isinstance(page, dict):
            raise SyncError("pull answer is not a JSON object")
        return page

    # ------------------------------------------------------------------ attachments
    def upload_files(self, report: SyncReport) -> None:
        """Every pending file, a few at once (mobile/core/uploads.py says how and why)."""
        settings = self.store.settings()

        def on_progress(files_done: int, files: int, bytes_done: int, bytes_total: int) -> None:
            self._progress(Progress("upload", files_done, files, bytes_done, bytes_total))

        outcome = upload_files(
            self.media,
            self.client,
            chunk_size=settings.upload_chunk_size,
            connections=settings.upload_connections,
            on_progress=on_progress,
        )
        report.files_uploaded += outcome.uploaded
        report.files_failed += outcome.failed
        report.bytes_uploaded += outcome.bytes_sent
        report.problems.extend(outcome.problems)


def _json(resp: Any) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError as exc:
        raise SyncError("the server's answer is not JSON") from exc
    if not isinstance(data, dict):
        raise SyncError("the server's answer is not a JSON object")
    return data
