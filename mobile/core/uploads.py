"""Evidence files to the server: a few files at once, each resumable from the server's offset.

On a 3G link (1 Mbit/s, 300 ms round trip, some loss) one connection sending one chunk after
another pays a round trip per request and sits idle while TCP resends a lost segment. So:

- **Parallel.** Up to ``upload_connections`` files go at once, each worker on its own
  ``requests`` session (a session is not shared between threads). Workers only talk HTTP; every
  write to the device's store (progress, done, failed) happens on the calling thread, from the
  events they send back, so the SQLite connection never changes thread.
- **No HEAD before a fresh file.** When the device has no confirmed byte of a file, the first
  chunk goes straight out from offset 0. SYNC.md makes that safe: a server that already holds part
  of it answers ``409 offset_mismatch`` with its ``Upload-Offset``, one that holds all of it (and
  lets us see it) ``200``; both are taken as the server's word. A file with confirmed bytes (an
  upload cut in an earlier sync) still asks ``HEAD`` first: the server may be further along than
  the device knows (an answer lost on the way back), and asking costs less than a refused chunk.
- **Chunks as large as the link allows.** A chunk is at least ``upload_chunk_size`` and grows to
  what this connection carried in :data:`TARGET_CHUNK_S` seconds (a cut loses at most the chunk in
  flight: the server keeps only whole chunks), up to :data:`MAX_CHUNK`; a remainder of up to two
  chunks goes as one, so a photo of 300 KB is one ``PUT``, not a 256 KiB one and a 44 KB one.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mobile.core.http import ApiClient, DeviceApiError
from mobile.core.media import MediaStore
from shared_schema.errors import ErrorCode
from shared_schema.limits import MAX_BODY_BYTES

__all__ = ["MAX_CHUNK", "TARGET_CHUNK_S", "ChunkSizer", "UploadOutcome", "upload_files"]

MAX_CHUNK = min(8 * 1024 * 1024, MAX_BODY_BYTES)  # a phone holds one chunk per worker in memory
TARGET_CHUNK_S = 8.0
MAX_MISMATCHES = 20


class ChunkSizer:
    """How much to send in the next ``PUT`` on one connection."""

    def __init__(
        self, base: int, *, maximum: int | None = None, target_s: float = TARGET_CHUNK_S
    ) -> None:
        maximum = MAX_CHUNK if maximum is None else maximum  # read at run time (tests lower it)
        self.base = max(1, min(base, maximum))
        self.maximum = maximum
        self.target_s = target_s
        self.size = self.base

    def next(self, remaining: int) -> int:
        return remaining if remaining <= 2 * self.size else self.size

    def carried(self, nbytes: int, seconds: float) -> None:
        """A chunk of ``nbytes`` took ``seconds`` (round trip and any retries included)."""
        if seconds <= 0:
            return
        fit = int(nbytes / seconds * self.target_s)
        self.size = max(self.base, min(self.maximum, fit))


@dataclass
class UploadOutcome:
    uploaded: int = 0
    failed: int = 0
    bytes_sent: int = 0
    problems: list[str] = field(default_factory=list)


# Events from the workers to the calling thread.
_Event = tuple[str, dict[str, Any], Any]


def upload_files(
    media: MediaStore,
    client: ApiClient,
    *,
    chunk_size: int,
    connections: int,
    on_progress: Callable[[int, int, int, int], None],
) -> UploadOutcome:
    """Upload every pending file; ``on_progress(files_done, files, bytes_done, bytes_total)``.

    Raises what the server or network leaves no way past (``NeedsLogin``, a 403,
    ``ServerUnreachable``) after the other workers stopped at their next chunk; what was
    confirmed so far is kept, and the next sync resumes from it.
    """
    pending = media.pending()
    out = UploadOutcome()
    if not pending:
        return out
    total = sum(p["size"] for p in pending)
    work: queue.Queue[dict[str, Any]] = queue.Queue()
    for item in pending:
        work.put(item)
    events: queue.Queue[_Event] = queue.Queue()
    stop = threading.Event()
    n_workers = max(1, min(connections, len(pending)))
    clients = [client.worker_copy() for _ in range(n_workers)]
    threads = [
        threading.Thread(
            target=_worker,
            args=(c, media, work, events, stop, chunk_size),
            name=f"upload-{i}",
            daemon=True,
        )
        for i, c in enumerate(clients)
    ]
    for t in threads:
        t.start()
    sent_of: dict[str, int] = {}
    fatal: BaseException | None = None
    running = n_workers
    try:
        while running:
            kind, item, value = events.get()
            sha = item["sha256"]
            if kind == "exit":
                running -= 1
            elif kind == "offset":
                media.note_uploaded(sha, value)
                sent_of[sha] = value
            elif kind == "done":
                media.mark_done(sha)
                out.uploaded += 1
                out.bytes_sent += value
                sent_of[sha] = item["size"]
            elif kind == "failed":
                # A file the server will never take (type, size): say so, do not retry forever.
                exc = value
                media.mark_failed(sha, exc.code, exc.message)
                out.failed += 1
                out.problems.append(f"file {sha[:12]}…: {exc.code}")
                sent_of[sha] = item["size"]
            elif kind == "fatal":
                if fatal is None:
                    fatal = value
                stop.set()
            on_progress(out.uploaded, len(pending), min(total, sum(sent_of.values())), total)
    finally:
        stop.set()
        for t in threads:
            t.join()
        for c in clients:
            c.close()
    if fatal is not None:
        raise fatal
    return out


def _worker(
    client: ApiClient,
    media: MediaStore,
    work: queue.Queue[dict[str, Any]],
    events: queue.Queue[_Event],
    stop: threading.Event,
    chunk_size: int,
) -> None:
    sizer = ChunkSizer(chunk_size)
    item: dict[str, Any] = {"sha256": ""}
    try:
        while not stop.is_set():
            try:
                item = work.get_nowait()
            except queue.Empty:
                break
            try:
                sent = _upload_one(client, media, item, sizer, events, stop)
            except DeviceApiError as exc:
                if exc.status in (401, 403):
                    raise
                events.put(("failed", item, exc))
                continue
            if sent is not None:
                events.put(("done", item, sent))
    except BaseException as exc:  # handed to the calling thread, raised there
        events.put(("fatal", item, exc))
    finally:
        events.put(("exit", {"sha256": ""}, None))


def _server_offset(client: ApiClient, sha: str) -> int | None:
    """Bytes the server holds of this file; ``None`` when it has all of them."""
    resp = client.request("HEAD", f"/attachments/{sha}", ok=(200, 404))
    if resp.status_code == 404:
        return 0
    if resp.headers.get("Upload-Complete") == "?1":
        return None
    return _offset_header(resp.headers, 0)


def _offset_header(headers: Any, default: int) -> int:
    value = headers.get("Upload-Offset")
    return int(value) if value and value.isdigit() else default


def _upload_one(
    client: ApiClient,
    media: MediaStore,
    item: dict[str, Any],
    sizer: ChunkSizer,
    events: queue.Queue[_Event],
    stop: threading.Event,
) -> int | None:
    """Send one file from where the server has it; the bytes sent, or ``None`` if stopped."""
    sha = item["sha256"]
    path = media.root / item["path"]
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha:
        raise DeviceApiError(0, "local_file_corrupt", f"{path} no longer matches its hash")
    total = len(data)
    offset: int | None = _server_offset(client, sha) if item.get("uploaded") else 0
    sent = hash_retries = mismatches = 0
    while offset is not None:
        if stop.is_set():
            return None
        end = offset + sizer.next(total - offset)
        started = time.monotonic()
        try:
            resp = client.request(
                "PUT",
                f"/attachments/{sha}",
                data=data[offset:end],
                headers={
                    "Content-Range": f"bytes {offset}-{end - 1}/{total}",
                    "Content-Type": item["media_type"],
                },
                ok=(200, 201, 204),
            )
        except DeviceApiError as exc:
            if exc.code == ErrorCode.OFFSET_MISMATCH and mismatches < MAX_MISMATCHES:
                mismatches += 1
                # The server holds another part of it (an earlier chunk's answer was lost, or
                # it dropped a partial): go on from where it says it is.
                header = _offset_header(exc.headers, -1)
                offset = header if 0 <= header <= total else _server_offset(client, sha)
                if offset == total:
                    offset = _server_offset(client, sha)
                continue
            if exc.code == ErrorCode.HASH_MISMATCH and hash_retries < 1:
                hash_retries += 1  # the server discarded the partial; once more from 0
                offset = _server_offset(client, sha)
                continue
            raise
        sizer.carried(end - offset, time.monotonic() - started)
        mismatches = 0
        sent += end - offset
        if resp.status_code in (200, 201):
            offset = None
        else:
            offset = _offset_header(resp.headers, end)
            events.put(("offset", item, offset))
    return sent
