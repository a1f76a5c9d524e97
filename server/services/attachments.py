"""Evidence files: content-addressed resumable uploads, and who may see one (SYNC.md "Attachments").

Visibility. A *complete* file is visible to a caller whose user uploaded it
(``attachment_uploaders``: a row is written only when that user's upload verified, i.e. the user
proved they hold the bytes), or when a non-deleted evidence record in the caller's scope names its
hash (``evidence_files``, kept by push). A *partial* upload is visible only to the user who started
it, from any of their devices. To everyone else the hash does not exist: HEAD/GET are 404 and PUT
behaves exactly as for a hash the server has never seen.

Cross-user uploads of the same bytes, and storing them once. Upload state is per ``(sha256, user)``:
each user uploads into their own partial (``partial/<sha256>.<user_id>.part``) with its own offset
and declared total, so two users who cannot see each other's files may upload the same bytes, even
at the same time, without either learning of the other (an offset or total left by someone else
would tell them). When an upload's last chunk arrives its SHA-256 is verified; if the blob is
already stored (another user uploaded it) the verified partial is simply dropped and the user is
added to ``attachment_uploaders``. Complete files are therefore stored once; while a duplicate
upload is in progress its bytes sit in that user's partial only.

Where the state lives. ``attachments`` holds complete, verified files only; an upload in progress
is an ``attachment_uploads`` row keyed by ``(sha256, user_id)`` with its declared type, total and
received offset, so one user's progress is never seen by another.

Concurrency and crashes. The database row is the authority for an upload's offset. A chunk is first
spooled to an anonymous temporary file with no lock held; then, in one write transaction that locks
the upload row (``BEGIN IMMEDIATE`` on SQLite, ``SELECT … FOR UPDATE`` on PostgreSQL), the offset is
checked, the chunk appended and synced, and the new offset recorded. Two copies of one chunk at once
therefore give one 204 and one 409. Bytes appended by a transaction that then failed to commit lie
past the recorded offset and are cut off by the next append; a partial shorter than its recorded
offset (lost, or moved into place by a transaction that did not commit) lowers the offset to what
is on disk. A complete file is moved into place with ``os.replace`` only after its hash verified.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zlib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row

from server.clock import iso
from server.db.schema import attachment_uploaders, attachment_uploads, attachments, evidence_files
from server.errors import ApiError
from server.services.auth import Principal
from server.storage import BlobStore, PartKey
from shared_schema import media
from shared_schema.errors import ErrorCode
from shared_schema.media import MEDIA_TYPES, SNIFF_BYTES

__all__ = [
    "ALLOWED_MEDIA_TYPES",
    "SNIFF_BYTES",
    "ChunkReceiver",
    "ContentRange",
    "FileState",
    "PutResult",
    "PutStatus",
    "check_chunk_shape",
    "check_declared_type",
    "check_first_bytes",
    "commit_chunk",
    "file_state",
    "parse_content_range",
    "parse_sha256",
    "precheck_put",
    "readable_file",
    "sniff",
]

# Declared Content-Type → the family its bytes must belong to. Audio types are one family because
# phones label the same recording audio/mp4, audio/x-m4a or audio/aac; images and PDF are exact.
_DECLARED_FAMILY: dict[str, str] = {
    "image/jpeg": "image/jpeg",
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/png": "image/png",
    "image/webp": "image/webp",
    "application/pdf": "application/pdf",
    "audio/mp4": "audio",
    "audio/m4a": "audio",
    "audio/x-m4a": "audio",
    "audio/aac": "audio",
    "audio/x-aac": "audio",
    "audio/aacp": "audio",
    "audio/mpeg": "audio",
    "audio/mp3": "audio",
    "audio/x-mp3": "audio",
    "audio/ogg": "audio",
    "audio/opus": "audio",
}
ALLOWED_MEDIA_TYPES: tuple[str, ...] = tuple(_DECLARED_FAMILY)
# The types stored and served (the canonical type of what the bytes are).
STORED_MEDIA_TYPES: tuple[str, ...] = MEDIA_TYPES  # the evidence form's media_type choices

_SHA_RE = re.compile(r"[0-9a-fA-F]{64}")
_RANGE_RE = re.compile(r"bytes[ \t]+(\d{1,15})-(\d{1,15})/(\d{1,15})")


# ---------------------------------------------------------------------------- parsing
def parse_sha256(raw: str) -> str:
    """The path's hash in lowercase; anything but 64 hex digits is ``not_found`` (SYNC.md)."""
    if not _SHA_RE.fullmatch(raw):
        raise ApiError(ErrorCode.NOT_FOUND)
    return raw.lower()


@dataclass(frozen=True)
class ContentRange:
    start: int
    end: int  # inclusive, as in HTTP
    total: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def is_last(self) -> bool:
        return self.end + 1 == self.total


def parse_content_range(header: str | None) -> ContentRange:
    """``bytes <start>-<end>/<total>`` with ``start <= end < total``; else ``invalid_request``."""
    m = _RANGE_RE.fullmatch((header or "").strip())
    if m is None:
        raise ApiError(
            ErrorCode.INVALID_REQUEST,
            {"header": "Content-Range", "expected": "bytes <start>-<end>/<total>"},
        )
    start, end, total = (int(g) for g in m.groups())
    if not start <= end < total:
        raise ApiError(
            ErrorCode.INVALID_REQUEST,
            {"header": "Content-Range", "reason": "needs start <= end < total"},
        )
    return ContentRange(start, end, total)


def check_chunk_shape(
    rng: ContentRange, content_length: str | None, content_encoding: str | None
) -> None:
    """Refuse, before reading a byte of it, a body that cannot be the chunk the range names."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding not in ("", "identity", "gzip"):
        raise ApiError(ErrorCode.INVALID_REQUEST, {"header": "Content-Encoding"})
    if rng.start == 0 and rng.length < min(SNIFF_BYTES, rng.total):
        # The type is checked from the first bytes, so the first chunk has to carry them.
        raise ApiError(
            ErrorCode.INVALID_REQUEST,
            {"header": "Content-Range", "reason": f"the first chunk must hold {SNIFF_BYTES} bytes"},
        )
    if content_length is None or encoding == "gzip":
        return
    try:
        declared = int(content_length)
    except ValueError:
        raise ApiError(ErrorCode.INVALID_REQUEST, {"header": "Content-Length"}) from None
    if declared > rng.length:
        raise ApiError(ErrorCode.BODY_TOO_LARGE, {"limit": rng.length})
    if declared < rng.length:
        raise ApiError(
            ErrorCode.INVALID_REQUEST,
            {"header": "Content-Length", "reason": "shorter than the Content-Range"},
        )


# ---------------------------------------------------------------------------- media types
def _declared(content_type: str | None) -> str:
    return (content_type or "").partition(";")[0].strip().lower()


def check_declared_type(content_type: str | None) -> str:
    """The family a declared type admits; ``unsupported_media_type`` when it is not accepted."""
    family = _DECLARED_FAMILY.get(_declared(content_type))
    if family is None:
        raise ApiError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            {
                "media_type": _declared(content_type)[:100] or None,
                "allowed": list(STORED_MEDIA_TYPES),
            },
        )
    return family


def sniff(head: bytes) -> tuple[str, str] | None:
    """``(family, media type)`` of a file from its first bytes; None for a type we do not accept."""
    media_type = media.sniff(head)
    return None if media_type is None else (media.family(media_type), media_type)


def check_first_bytes(
    content_type: str | None, head: bytes, total: int, max_file_bytes: int
) -> str:
    """Type, then size, of a new upload (415 before 413); the media type to store."""
    family = check_declared_type(content_type)
    found = sniff(head)
    if found is None or found[0] != family:
        raise ApiError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            {
                "media_type": _declared(content_type),
                "detected": found[1] if found else None,
                "allowed": list(STORED_MEDIA_TYPES),
            },
        )
    if total > max_file_bytes:
        raise ApiError(ErrorCode.FILE_TOO_LARGE, {"limit": max_file_bytes, "size": total})
    media_type = found[1]
    if head.startswith(b"ID3") and _declared(content_type) in (
        "audio/aac",
        "audio/x-aac",
        "audio/aacp",
    ):
        media_type = "audio/aac"  # an ID3 tag may precede ADTS AAC as well as MP3
    return media_type


# ---------------------------------------------------------------------------- receiving a chunk
class ChunkReceiver:
    """Takes one chunk's body piece by piece into an anonymous temporary file.

    It never holds more than one piece in memory, stops at the first byte past the length the
    Content-Range names (``body_too_large``), inflates a gzip body against that same budget, and
    on a first chunk checks type and size as soon as the first :data:`SNIFF_BYTES` are in, so a
    file that is too large or of the wrong type is refused without reading it.
    """

    def __init__(
        self,
        spool_dir: Path,
        rng: ContentRange,
        *,
        content_type: str | None,
        content_encoding: str | None,
        max_file_bytes: int,
    ) -> None:
        self.rng = rng
        self.media_type: str | None = None
        self._content_type = content_type
        self._max_file_bytes = max_file_bytes
        self._size = 0
        self._head = b""
        self._checked = rng.start != 0
        gzip = (content_encoding or "").strip().lower() == "gzip"
        self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        spool_dir.mkdir(parents=True, exist_ok=True)
        # Held across feed() calls and closed by close(): no `with` block can span them.
        self._spool: IO[bytes] = tempfile.TemporaryFile(dir=spool_dir)  # noqa: SIM115

    def feed(self, piece: bytes) -> None:
        if self._inflate is None:
            self._take(piece)
            return
        try:
            out = self._inflate.decompress(piece, self.rng.length - self._size + 1)
        except zlib.error:
            raise ApiError(ErrorCode.INVALID_REQUEST, {"reason": "not a gzip body"}) from None
        if self._inflate.unconsumed_tail:
            raise ApiError(ErrorCode.BODY_TOO_LARGE, {"limit": self.rng.length})
        self._take(out)

    def _take(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self.rng.length:
            raise ApiError(ErrorCode.BODY_TOO_LARGE, {"limit": self.rng.length})
        if not self._checked:
            self._head += data[: SNIFF_BYTES - len(self._head)]
            if len(self._head) >= SNIFF_BYTES:
                self._check()
        self._spool.write(data)

    def _check(self) -> None:
        self._checked = True
        self.media_type = check_first_bytes(
            self._content_type, self._head, self.rng.total, self._max_file_bytes
        )

    def finish(self) -> IO[bytes]:
        """The whole chunk, rewound; ``invalid_request`` when the body is shorter than its range."""
        if self._inflate is not None and not self._inflate.eof:
            raise ApiError(ErrorCode.INVALID_REQUEST, {"reason": "truncated gzip body"})
        if not self._checked:
            self._check()
        if self._size != self.rng.length:
            raise ApiError(
                ErrorCode.INVALID_REQUEST,
                {"reason": "the body is shorter than its Content-Range", "received": self._size},
            )
        self._spool.seek(0)
        return self._spool

    def close(self) -> None:
        self._spool.close()


# ---------------------------------------------------------------------------- database
def _insert_ignore(conn: Connection, table: Any, values: dict[str, Any]) -> None:
    """INSERT that does nothing when the primary key exists (also against a concurrent insert)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())


def _complete_row(conn: Connection, sha256: str) -> Row[Any] | None:
    return conn.execute(select(attachments).where(attachments.c.sha256 == sha256)).first()


def _upload_row(
    conn: Connection, sha256: str, user_id: int, *, lock: bool = False
) -> Row[Any] | None:
    q = select(attachment_uploads).where(
        attachment_uploads.c.sha256 == sha256, attachment_uploads.c.user_id == user_id
    )
    if lock:
        q = q.with_for_update()
    return conn.execute(q).first()


def _start_upload(
    conn: Connection, sha256: str, user_id: int, *, media_type: str, total: int
) -> None:
    _insert_ignore(
        conn,
        attachment_uploads,
        {
            "sha256": sha256,
            "user_id": user_id,
            "media_type": media_type,
            "size": total,
            "received": 0,
            "started_at": iso(),
        },
    )


def _visible(conn: Connection, who: Principal, sha256: str) -> bool:
    """The caller's user uploaded the file, or an evidence record in the caller's scope names it."""
    mine = select(attachment_uploaders.c.user_id).where(
        attachment_uploaders.c.sha256 == sha256, attachment_uploaders.c.user_id == who.user_id
    )
    if conn.execute(mine).first() is not None:
        return True
    # Usually a handful of rows per hash; checked in Python: a scope may hold thousands of units.
    units = conn.execute(
        select(evidence_files.c.unit).where(evidence_files.c.sha256 == sha256).distinct()
    )
    return any(who.in_scope(unit) for unit in units.scalars())


@dataclass(frozen=True)
class FileState:
    complete: bool
    size: int  # the total: the file's size, or the total the upload declared
    offset: int  # bytes received
    media_type: str


def file_state(conn: Connection, store: BlobStore, who: Principal, sha256: str) -> FileState | None:
    """What HEAD tells this caller: their view of the file, or None (it does not exist for them)."""
    done = _complete_row(conn, sha256)
    if done is not None and _visible(conn, who, sha256):
        return FileState(True, done.size, done.size, done.media_type)
    up = _upload_row(conn, sha256, who.user_id)
    if up is None:
        return None
    offset = min(up.received, store.partial_size(PartKey(sha256, who.user_id)))
    return FileState(False, up.size, offset, up.media_type)


def readable_file(conn: Connection, who: Principal, sha256: str) -> tuple[str, int] | None:
    """``(media type, size)`` of a complete file visible to the caller, else None."""
    done = _complete_row(conn, sha256)
    if done is None or not _visible(conn, who, sha256):
        return None
    return done.media_type, int(done.size)


class PutStatus(Enum):
    COMPLETE = "complete"  # already complete and visible: 200, nothing written
    ACCEPTED = "accepted"  # 204
    CREATED = "created"  # the last chunk, verified: 201
    HASH_MISMATCH = "hash_mismatch"  # 422, the partial upload discarded


@dataclass(frozen=True)
class PutResult:
    status: PutStatus
    offset: int


def _offset_mismatch(offset: int, total: int | None = None) -> ApiError:
    details: dict[str, Any] = {"offset": offset}
    if total is not None:
        details["total"] = total
    return ApiError(ErrorCode.OFFSET_MISMATCH, details, headers={"Upload-Offset": str(offset)})


def _check_offset(rng: ContentRange, state: FileState | None) -> None:
    if state is None:
        if rng.start != 0:
            raise _offset_mismatch(0)
        return
    if rng.total != state.size:
        raise _offset_mismatch(state.offset, total=state.size)
    if rng.start != state.offset:
        raise _offset_mismatch(state.offset)


def precheck_put(
    conn: Connection, store: BlobStore, who: Principal, sha256: str, rng: ContentRange
) -> PutResult | None:
    """Before the body is read: COMPLETE (answer 200), ``offset_mismatch``, or None to go on.

    Only advisory: :func:`commit_chunk` checks again under the row lock.
    """
    state = file_state(conn, store, who, sha256)
    if state is not None and state.complete:
        return PutResult(PutStatus.COMPLETE, state.size)
    _check_offset(rng, state)
    return None


def commit_chunk(
    conn: Connection,
    store: BlobStore,
    who: Principal,
    sha256: str,
    rng: ContentRange,
    chunk: IO[bytes],
    *,
    media_type: str | None,
) -> PutResult:
    """Append a spooled chunk at the stored offset; on the last one verify and store the file.

    Runs in a write transaction (``conn``); raises ``offset_mismatch`` (nothing written) when the
    chunk does not continue the upload. ``media_type`` is the checked type of a first chunk.
    """
    done = _complete_row(conn, sha256)
    if done is not None and _visible(conn, who, sha256):
        return PutResult(PutStatus.COMPLETE, int(done.size))
    part = PartKey(sha256, who.user_id)
    if rng.start == 0:
        _start_upload(conn, sha256, who.user_id, media_type=media_type or "", total=rng.total)
    up = _upload_row(conn, sha256, who.user_id, lock=True)
    if up is None:
        raise _offset_mismatch(0)
    received = min(int(up.received), store.partial_size(part))
    _check_offset(rng, FileState(False, int(up.size), received, up.media_type))

    with store.open_append(part, received) as f:
        shutil.copyfileobj(chunk, f, 1024 * 1024)
    mine = (attachment_uploads.c.sha256 == sha256) & (attachment_uploads.c.user_id == who.user_id)
    values: dict[str, Any] = {"received": rng.end + 1}
    if rng.start == 0 and media_type:
        values["media_type"] = media_type
    if not rng.is_last:
        conn.execute(update(attachment_uploads).where(mine).values(**values))
        return PutResult(PutStatus.ACCEPTED, rng.end + 1)

    conn.execute(delete(attachment_uploads).where(mine))
    if not store.finalize(part):
        return PutResult(PutStatus.HASH_MISMATCH, 0)
    stamp = iso()
    _insert_ignore(
        conn,
        attachments,
        {
            "sha256": sha256,
            "media_type": values.get("media_type", up.media_type),
            "size": rng.total,
            "created_at": up.started_at,
            "completed_at": stamp,
        },
    )
    _insert_ignore(
        conn,
        attachment_uploaders,
        {"sha256": sha256, "user_id": who.user_id, "started_at": up.started_at},
    )
    return PutResult(PutStatus.CREATED, rng.total)
