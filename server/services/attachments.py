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

import hashlib
import re
import shutil
from dataclasses import dataclass
from enum import Enum
from typing import IO, Any

from sqlalchemy import Connection

from server import store
from server.clock import iso
from server.errors import ServerError
from server.services.auth import Principal
from server.storage import BlobStore, PartKey
from shared_schema import media
from shared_schema.errors import ErrorCode
from shared_schema.media import MEDIA_TYPES, SNIFF_BYTES

__all__ = [
    "SNIFF_BYTES",
    "STORED_MEDIA_TYPES",
    "ByteRange",
    "FileState",
    "PutResult",
    "PutStatus",
    "check_declared_type",
    "check_first_bytes",
    "commit_chunk",
    "file_state",
    "precheck_put",
    "readable_file",
    "sniff",
    "store_whole",
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
# The types stored and served (the canonical type of what the bytes are).
STORED_MEDIA_TYPES: tuple[str, ...] = MEDIA_TYPES  # the evidence form's media_type choices

_SHA_RE = re.compile(r"[0-9a-fA-F]{64}")


def parse_sha256(raw: str) -> str:
    """A file's hash as a path names it, in lowercase; anything but 64 hex digits is ``not_found``
    (SYNC.md "Errors"): the API's routes and the staff pages' evidence links read it alike."""
    if not _SHA_RE.fullmatch(raw):
        raise ServerError(ErrorCode.NOT_FOUND)
    return raw.lower()


@dataclass(frozen=True)
class ByteRange:
    """Where a chunk lies in its file (HTTP's ``Content-Range``, parsed by the route)."""

    start: int
    end: int  # inclusive, as in HTTP
    total: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    @property
    def is_last(self) -> bool:
        return self.end + 1 == self.total


# ---------------------------------------------------------------------------- media types
def _declared(content_type: str | None) -> str:
    return (content_type or "").partition(";")[0].strip().lower()


def check_declared_type(content_type: str | None) -> str:
    """The family a declared type admits; ``unsupported_media_type`` when it is not accepted."""
    family = _DECLARED_FAMILY.get(_declared(content_type))
    if family is None:
        raise ServerError(
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
        raise ServerError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            {
                "media_type": _declared(content_type),
                "detected": found[1] if found else None,
                "allowed": list(STORED_MEDIA_TYPES),
            },
        )
    if total > max_file_bytes:
        raise ServerError(ErrorCode.FILE_TOO_LARGE, {"limit": max_file_bytes, "size": total})
    media_type = found[1]
    if head.startswith(b"ID3") and _declared(content_type) in (
        "audio/aac",
        "audio/x-aac",
        "audio/aacp",
    ):
        media_type = "audio/aac"  # an ID3 tag may precede ADTS AAC as well as MP3
    return media_type


def _visible(conn: Connection, who: Principal, sha256: str) -> bool:
    """The caller's user uploaded the file, or an evidence record in the caller's scope names it."""
    return store.attachments.visible(conn, sha256, user_id=who.user_id, roots=who.units)


@dataclass(frozen=True)
class FileState:
    complete: bool
    size: int  # the total: the file's size, or the total the upload declared
    offset: int  # bytes received
    media_type: str


def file_state(conn: Connection, blobs: BlobStore, who: Principal, sha256: str) -> FileState | None:
    """What HEAD tells this caller: their view of the file, or None (it does not exist for them)."""
    done = store.attachments.complete(conn, sha256)
    if done is not None and _visible(conn, who, sha256):
        return FileState(True, done.size, done.size, done.media_type)
    up = store.attachments.upload(conn, sha256, who.user_id)
    if up is None:
        return None
    offset = min(up.received, blobs.partial_size(PartKey(sha256, who.user_id)))
    return FileState(False, up.size, offset, up.media_type)


def readable_file(conn: Connection, who: Principal, sha256: str) -> tuple[str, int] | None:
    """``(media type, size)`` of a complete file visible to the caller, else None."""
    done = store.attachments.complete(conn, sha256)
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


def _offset_mismatch(offset: int, total: int | None = None) -> ServerError:
    details: dict[str, Any] = {"offset": offset}
    if total is not None:
        details["total"] = total
    return ServerError(ErrorCode.OFFSET_MISMATCH, details)


def _check_offset(rng: ByteRange, state: FileState | None) -> None:
    if state is None:
        if rng.start != 0:
            raise _offset_mismatch(0)
        return
    if rng.total != state.size:
        raise _offset_mismatch(state.offset, total=state.size)
    if rng.start != state.offset:
        raise _offset_mismatch(state.offset)


def precheck_put(
    conn: Connection, blobs: BlobStore, who: Principal, sha256: str, rng: ByteRange
) -> PutResult | None:
    """Before the body is read: COMPLETE (answer 200), ``offset_mismatch``, or None to go on.

    Only advisory: :func:`commit_chunk` checks again under the row lock.
    """
    state = file_state(conn, blobs, who, sha256)
    if state is not None and state.complete:
        return PutResult(PutStatus.COMPLETE, state.size)
    _check_offset(rng, state)
    return None


def commit_chunk(
    conn: Connection,
    blobs: BlobStore,
    who: Principal,
    sha256: str,
    rng: ByteRange,
    chunk: IO[bytes],
    media_type: str | None,
) -> PutResult:
    """Append a spooled chunk at the stored offset; on the last one verify and store the file.

    Runs in a write transaction (``conn``); raises ``offset_mismatch`` (nothing written) when the
    chunk does not continue the upload. ``media_type`` is the checked type of a first chunk.
    """
    done = store.attachments.complete(conn, sha256)
    if done is not None and _visible(conn, who, sha256):
        return PutResult(PutStatus.COMPLETE, int(done.size))
    part = PartKey(sha256, who.user_id)
    if rng.start == 0:
        store.attachments.start_upload(
            conn,
            sha256,
            who.user_id,
            media_type=media_type or "",
            total=rng.total,
            started_at=iso(),
        )
    up = store.attachments.upload(conn, sha256, who.user_id, lock=True)
    if up is None:
        raise _offset_mismatch(0)
    received = min(int(up.received), blobs.partial_size(part))
    _check_offset(rng, FileState(False, int(up.size), received, up.media_type))

    with blobs.open_append(part, received) as f:
        shutil.copyfileobj(chunk, f, 1024 * 1024)
    first_type = media_type if rng.start == 0 and media_type else None
    if not rng.is_last:
        store.attachments.advance_upload(
            conn, sha256, who.user_id, received=rng.end + 1, media_type=first_type
        )
        return PutResult(PutStatus.ACCEPTED, rng.end + 1)

    store.attachments.drop_upload(conn, sha256, who.user_id)
    if not blobs.finalize(part):
        return PutResult(PutStatus.HASH_MISMATCH, 0)
    store.attachments.add_complete(
        conn,
        sha256,
        media_type=first_type or up.media_type,
        size=rng.total,
        created_at=up.started_at,
        completed_at=iso(),
    )
    store.attachments.add_uploader(conn, sha256, who.user_id, started_at=up.started_at)
    return PutResult(PutStatus.CREATED, rng.total)


def store_whole(
    conn: Connection,
    blobs: BlobStore,
    who: Principal,
    f: IO[bytes],
    max_file_bytes: int,
    allowed: tuple[str, ...] = STORED_MEDIA_TYPES,
) -> str:
    """A whole file posted by a staff page (a plan's PDF, issue 20), stored through the same
    channel as a device's chunks: type from the first bytes (415), then size (413), then one
    chunk verified against the hash computed here. Returns its SHA-256; ``f`` is read twice."""
    head = f.read(SNIFF_BYTES)
    found = sniff(head)
    if found is None or found[1] not in allowed:
        raise ServerError(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            {"detected": found[1] if found else None, "allowed": list(allowed)},
        )
    f.seek(0, 2)
    total = f.tell()
    if total > max_file_bytes or total == 0:
        raise ServerError(ErrorCode.FILE_TOO_LARGE, {"limit": max_file_bytes, "size": total})
    f.seek(0)
    digest = hashlib.sha256()
    while block := f.read(1024 * 1024):
        digest.update(block)
    sha = digest.hexdigest()
    f.seek(0)
    result = commit_chunk(conn, blobs, who, sha, ByteRange(0, total - 1, total), f, found[1])
    if result.status is PutStatus.HASH_MISMATCH:  # the file changed under us: nothing stored
        raise ServerError(ErrorCode.HASH_MISMATCH)
    return sha
