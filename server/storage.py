"""Where attachment bytes live: a narrow blob-store interface and a local-directory store.

A *blob* is a complete file, named by the lowercase hex SHA-256 of its bytes and stored once
whoever uploaded it. A *partial* is one user's upload in progress, named by ``(sha256, user_id)``:
two users who cannot see each other's files may upload the same bytes at the same time without
learning of each other (SYNC.md "Attachments").

The store knows nothing of users, scopes or the database; :mod:`server.services.attachments`
decides who may do what and keeps the authoritative offset of every partial in the database. The
store only promises:

- a partial is appended to at an offset the caller names, and is on disk (fsync) when the append
  returns, so the offset the database records after it is never ahead of the bytes;
- :meth:`BlobStore.finalize` verifies the SHA-256 of a partial and moves it into place atomically,
  so a crash never leaves a half file under a blob name;
- names come from validated hex digests and integers only, never from anything else a client sent.

The S3-compatible store (:mod:`server.storage_s3`; :func:`server.blobs.blob_store` picks one) keeps
the same promises with its partials in the bucket, so that every API process and host shares them.
A store that cannot be reached raises :class:`BlobStoreUnavailable` (503 with Retry-After, on the
file routes only: record sync never touches the store).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

__all__ = [
    "BlobStore",
    "BlobStoreUnavailable",
    "LocalBlobStore",
    "PartKey",
    "is_sha256",
    "store_for",
]

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_BLOCK = 1024 * 1024


def is_sha256(value: str) -> bool:
    """True for 64 lowercase hex digits, the only form a blob name takes."""
    return _SHA256_RE.fullmatch(value) is not None


@dataclass(frozen=True)
class PartKey:
    """One user's upload in progress of the file with this hash."""

    sha256: str
    user_id: int

    def __post_init__(self) -> None:
        if not is_sha256(self.sha256):
            raise ValueError("sha256 must be 64 lowercase hex digits")
        if not isinstance(self.user_id, int) or isinstance(self.user_id, bool) or self.user_id < 0:
            raise ValueError("user_id must be a non-negative integer")


class BlobStoreUnavailable(Exception):
    """The store did not answer, or answered with a fault of its own: try again later."""


class BlobStore(Protocol):
    """The few operations attachments need; see the module docstring for the guarantees."""

    def partial_size(self, part: PartKey) -> int:
        """Bytes on disk for this partial; 0 when there is none."""
        ...

    def open_append(self, part: PartKey, offset: int) -> AbstractContextManager[BinaryIO]:
        """The partial at ``offset`` (anything after it cut off); synced to disk on a clean exit.

        ``offset`` may not exceed :meth:`partial_size` (ValueError).
        """
        ...

    def finalize(self, part: PartKey) -> bool:
        """Verify the partial's SHA-256; if it matches, make it the blob (once) and return True.

        On a mismatch the partial is discarded and False returned.
        """
        ...

    def open_blob(self, sha256: str) -> BinaryIO:
        """The complete file for reading; FileNotFoundError when it is not stored."""
        ...

    def discard(self, part: PartKey) -> None:
        """Remove a partial; no error when there is none."""
        ...

    # -- whole files, for `dkst storage`, `dkst backup` and the health check
    def blobs(self) -> Iterator[str]:
        """The hashes of every complete file stored, in no promised order."""
        ...

    def has_blob(self, sha256: str) -> bool: ...

    def put_blob(self, sha256: str, f: BinaryIO) -> None:
        """Store a whole file read from ``f``, verified against ``sha256`` before it is visible.

        ValueError when the bytes do not have that hash (nothing is stored).
        """
        ...

    def delete_blob(self, sha256: str) -> None: ...

    def presigned_url(self, sha256: str, media_type: str, seconds: int) -> str | None:
        """A short-lived URL a client may fetch the file from directly; None if the store has none."""
        ...

    def ping(self) -> None:
        """Raise :class:`BlobStoreUnavailable` when the store cannot be reached."""
        ...


class LocalBlobStore:
    """Blobs under ``root/ab/cd/<sha256>``, partials under ``root/partial/<sha256>.<user_id>.part``.

    Partials and blobs share one file system, so moving a verified partial into place is one
    ``os.replace``: readers see the old name absent or the whole file, never a part of it.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # -- names: derived from validated digests only
    def blob_path(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError("sha256 must be 64 lowercase hex digits")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def partial_path(self, part: PartKey) -> Path:
        return self.root / "partial" / f"{part.sha256}.{part.user_id}.part"

    # -- the protocol
    def partial_size(self, part: PartKey) -> int:
        try:
            return self.partial_path(part).stat().st_size
        except FileNotFoundError:
            return 0

    def open_append(self, part: PartKey, offset: int) -> AbstractContextManager[BinaryIO]:
        return self._open_append(part, offset)

    @contextmanager
    def _open_append(self, part: PartKey, offset: int) -> Iterator[BinaryIO]:
        path = self.partial_path(part)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        with os.fdopen(fd, "r+b") as f:
            size = f.seek(0, os.SEEK_END)
            if not 0 <= offset <= size:
                raise ValueError(f"offset {offset} outside the partial's {size} bytes")
            # Bytes past the recorded offset are from an append whose transaction never committed.
            f.truncate(offset)
            f.seek(offset)
            yield f
            f.flush()
            os.fsync(f.fileno())

    def finalize(self, part: PartKey) -> bool:
        src = self.partial_path(part)
        digest = hashlib.sha256()
        with open(src, "rb") as f:
            while block := f.read(_BLOCK):
                digest.update(block)
        if digest.hexdigest() != part.sha256:
            self.discard(part)
            return False
        dest = self.blob_path(part.sha256)
        if dest.exists():
            # Same hash, same bytes: the file is stored once whoever uploads it again.
            src.unlink(missing_ok=True)
            return True
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)
        _fsync_dir(dest.parent)
        return True

    def open_blob(self, sha256: str) -> BinaryIO:
        return open(self.blob_path(sha256), "rb")

    def discard(self, part: PartKey) -> None:
        self.partial_path(part).unlink(missing_ok=True)

    def blobs(self) -> Iterator[str]:
        for path in self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
            if is_sha256(path.name) and path.is_file():
                yield path.name

    def has_blob(self, sha256: str) -> bool:
        return self.blob_path(sha256).is_file()

    def put_blob(self, sha256: str, f: BinaryIO) -> None:
        dest = self.blob_path(sha256)
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Written beside its final name and renamed once verified: never half a file under it.
        with tempfile.NamedTemporaryFile(dir=dest.parent, prefix=".in-", delete=False) as tmp:
            digest = hashlib.sha256()
            try:
                while block := f.read(_BLOCK):
                    digest.update(block)
                    tmp.write(block)
                tmp.flush()
                os.fsync(tmp.fileno())
            except BaseException:
                os.unlink(tmp.name)
                raise
        if digest.hexdigest() != sha256:
            os.unlink(tmp.name)
            raise ValueError(f"the bytes do not have the hash {sha256}")
        os.replace(tmp.name, dest)
        _fsync_dir(dest.parent)

    def delete_blob(self, sha256: str) -> None:
        self.blob_path(sha256).unlink(missing_ok=True)

    def presigned_url(self, sha256: str, media_type: str, seconds: int) -> str | None:
        return None

    def ping(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.R_OK | os.W_OK):
            raise BlobStoreUnavailable(f"{self.root} is not readable and writable")
        if shutil.disk_usage(self.root).free == 0:
            raise BlobStoreUnavailable(f"{self.root} is full")


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def store_for(root: Path) -> LocalBlobStore:
    """A local-directory store at ``root`` (benchmarks, tests, `dkst storage migrate`)."""
    return LocalBlobStore(root)
