"""Evidence files in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, R2), on boto3.

Layout under ``s3://bucket/prefix/`` (the local store's, so ``dkst storage migrate`` maps one to the
other name for name):

- a complete file: ``ab/cd/<sha256>``, written once by a PUT that carries its SHA-256
  (``x-amz-checksum-sha256``): the bucket itself refuses bytes that are not the ones verified;
- a partial: ``partial/<sha256>.<user_id>/<offset>``, one object per chunk, named by the chunk's
  first byte (15 digits, so the listing is in file order).

Why objects per chunk and not a multipart upload: S3 parts must be 5 MiB but the last, and a phone
on a weak link sends chunks of a few hundred KB. The chunks are in the bucket, so a partial upload
begun through one API process or host continues through any other; the database row of the upload
stays the authority for its offset (:mod:`server.services.attachments`). The partial's size is
that of its chunks that follow each other from 0; a chunk at or past the offset an append names is
from a transaction that never committed, and is deleted before the new chunk is written.

Finalize reads the chunks once, hashing them into a local spool file; only if the hash matches is
the file written under its name, so there is never a "pending" window in which a name holds bytes
not verified, and the route answers 201 only after the bucket has acknowledged the whole file.
A call the bucket does not answer (connection refused, timeout, a 5xx) raises
:class:`~server.storage.BlobStoreUnavailable`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import IO, Any, BinaryIO, TypeVar, cast
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from server.storage import BlobStoreUnavailable, PartKey, is_sha256

__all__ = ["S3BlobStore", "parse_s3_url"]

log = logging.getLogger("dkst.server")
_BLOCK = 1024 * 1024
_SPOOL = 8 * 1024 * 1024  # a file up to this size is verified in memory, a larger one on disk
_MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}
T = TypeVar("T")


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ``("bucket", "some/prefix/")``; ValueError otherwise."""
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
    prefix = parsed.path.strip("/")
    return parsed.netloc, f"{prefix}/" if prefix else ""


def _missing(exc: ClientError) -> bool:
    err = exc.response.get("Error", {})
    return str(err.get("Code")) in _MISSING


def _call(what: str, fn: Callable[[], T]) -> T:
    """One call to the bucket; a fault of the bucket or the network becomes BlobStoreUnavailable."""
    try:
        return fn()
    except ClientError as exc:
        if _missing(exc):
            raise FileNotFoundError(what) from None
        log.warning("blob store: %s failed: %s", what, exc)
        raise BlobStoreUnavailable(str(exc)) from exc
    except BotoCoreError as exc:
        log.warning("blob store: %s failed: %s", what, exc)
        raise BlobStoreUnavailable(str(exc)) from exc


class _ObjectReader:
    """A stored object as a read-only file: read in blocks, and ``seek(0)`` opens it again.

    (A stored zip member needs its CRC before its bytes, so media.zip reads each file twice;
    nothing is held in memory between the two reads.)
    """

    def __init__(self, store: S3BlobStore, key: str) -> None:
        self._store, self._key = store, key
        self._body = store._get(key)

    def read(self, n: int = -1) -> bytes:
        return cast(
            bytes, _call(f"read {self._key}", lambda: self._body.read(n if n >= 0 else None))
        )

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) != (0, 0):
            raise OSError("an object can only be read again from its start")
        self._body.close()
        self._body = self._store._get(self._key)
        return 0

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> _ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class S3BlobStore:
    """The :class:`~server.storage.BlobStore` protocol over one bucket and prefix."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        addressing_style: str = "auto",
        timeout: float = 10.0,
    ) -> S3BlobStore:
        bucket, prefix = parse_s3_url(url)
        config = Config(
            s3={"addressing_style": addressing_style},  # type: ignore[arg-type]
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"max_attempts": 2, "mode": "standard"},
            max_pool_connections=32,
        )
        client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region, config=config
        )
        return cls(client, bucket, prefix)

    # -- names: derived from validated digests and integers only
    def blob_key(self, sha256: str) -> str:
        if not is_sha256(sha256):
            raise ValueError("sha256 must be 64 lowercase hex digits")
        return f"{self.prefix}{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _partial_prefix(self, part: PartKey) -> str:
        return f"{self.prefix}partial/{part.sha256}.{part.user_id}/"

    def _chunk_key(self, part: PartKey, offset: int) -> str:
        return f"{self._partial_prefix(part)}{offset:015d}"

    # -- calls
    def _get(self, key: str, byte_range: str | None = None) -> Any:
        extra = {"Range": byte_range} if byte_range else {}
        got = _call(
            f"get {key}", lambda: self.client.get_object(Bucket=self.bucket, Key=key, **extra)
        )
        return got["Body"]

    def _put(self, key: str, body: IO[bytes], sha256_digest: bytes | None = None) -> None:
        extra = {}
        if sha256_digest is not None:
            extra["ChecksumSHA256"] = base64.b64encode(sha256_digest).decode("ascii")
        _call(
            f"put {key}",
            lambda: self.client.put_object(Bucket=self.bucket, Key=key, Body=body, **extra),
        )

    def _list(self, prefix: str) -> Iterator[tuple[str, int]]:
        token: dict[str, str] = {}
        while True:
            page = _call(
                f"list {prefix}",
                lambda t=token: self.client.list_objects_v2(  # type: ignore[misc]
                    Bucket=self.bucket, Prefix=prefix, **t
                ),
            )
            for obj in page.get("Contents", []):
                yield obj["Key"], int(obj["Size"])
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def _delete(self, keys: list[str]) -> None:
        for i in range(0, len(keys), 1000):
            batch = [{"Key": k} for k in keys[i : i + 1000]]
            _call(
                "delete",
                lambda b=batch: self.client.delete_objects(  # type: ignore[misc]
                    Bucket=self.bucket, Delete={"Objects": b, "Quiet": True}
                ),
            )

    def _chunks(self, part: PartKey) -> list[tuple[int, int, str]]:
        """``(offset, size, key)`` of every chunk object of the partial, in offset order."""
        base = self._partial_prefix(part)
        out = []
        for key, size in self._list(base):
            name = key[len(base) :]
            if name.isdigit() and len(name) == 15:
                out.append((int(name), size, key))
        return sorted(out)

    @staticmethod
    def _contiguous(chunks: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        run, end = [], 0
        for offset, size, key in chunks:
            if offset != end or size == 0:
                break
            run.append((offset, size, key))
            end += size
        return run

    # -- the protocol
    def partial_size(self, part: PartKey) -> int:
        return sum(size for _, size, _ in self._contiguous(self._chunks(part)))

    def open_append(self, part: PartKey, offset: int) -> AbstractContextManager[BinaryIO]:
        return self._open_append(part, offset)

    @contextmanager
    def _open_append(self, part: PartKey, offset: int) -> Iterator[BinaryIO]:
        chunks = self._chunks(part)
        size = sum(s for _, s, _ in self._contiguous(chunks))
        if not 0 <= offset <= size:
            raise ValueError(f"offset {offset} outside the partial's {size} bytes")
        # Chunks at or past the offset are from appends whose transaction never committed.
        self._delete([key for start, _, key in chunks if start >= offset])
        for start, length, key in chunks:
            if start < offset < start + length:  # a chunk across the offset keeps its head
                head = self._get(key, f"bytes=0-{offset - start - 1}").read()
                with tempfile.SpooledTemporaryFile(_SPOOL) as keep:
                    keep.write(head)
                    keep.seek(0)
                    self._put(key, keep)
        with tempfile.SpooledTemporaryFile(_SPOOL) as spool:
            yield cast(BinaryIO, spool)
            if spool.tell():
                spool.seek(0)
                self._put(self._chunk_key(part, offset), spool)

    def finalize(self, part: PartKey) -> bool:
        chunks = self._contiguous(self._chunks(part))
        digest = hashlib.sha256()
        with tempfile.SpooledTemporaryFile(_SPOOL) as whole:
            for _, _, key in chunks:
                body = self._get(key)
                try:
                    while block := body.read(_BLOCK):
                        digest.update(block)
                        whole.write(block)
                finally:
                    body.close()
            if digest.hexdigest() != part.sha256:
                self.discard(part)
                return False
            if not self.has_blob(part.sha256):
                whole.seek(0)
                self._put(self.blob_key(part.sha256), whole, digest.digest())
        self.discard(part)
        return True

    def open_blob(self, sha256: str) -> BinaryIO:
        return cast(BinaryIO, _ObjectReader(self, self.blob_key(sha256)))

    def discard(self, part: PartKey) -> None:
        self._delete([key for key, _ in self._list(self._partial_prefix(part))])

    def blobs(self) -> Iterator[str]:
        for key, _ in self._list(self.prefix):
            name = key[len(self.prefix) :]
            if not name.startswith("partial/") and is_sha256(name.rpartition("/")[2]):
                yield name.rpartition("/")[2]

    def has_blob(self, sha256: str) -> bool:
        key = self.blob_key(sha256)
        try:
            _call(f"head {key}", lambda: self.client.head_object(Bucket=self.bucket, Key=key))
        except FileNotFoundError:
            return False
        return True

    def put_blob(self, sha256: str, f: BinaryIO) -> None:
        digest = hashlib.sha256()
        with tempfile.SpooledTemporaryFile(_SPOOL) as whole:
            while block := f.read(_BLOCK):
                digest.update(block)
                whole.write(block)
            if digest.hexdigest() != sha256:
                raise ValueError(f"the bytes do not have the hash {sha256}")
            whole.seek(0)
            self._put(self.blob_key(sha256), whole, digest.digest())

    def delete_blob(self, sha256: str) -> None:
        self._delete([self.blob_key(sha256)])

    def presigned_url(self, sha256: str, media_type: str, seconds: int) -> str | None:
        params = {
            "Bucket": self.bucket,
            "Key": self.blob_key(sha256),
            "ResponseContentType": media_type,
        }
        return cast(
            str,
            _call(
                "presign",
                lambda: self.client.generate_presigned_url(
                    "get_object", Params=params, ExpiresIn=seconds
                ),
            ),
        )

    def ping(self) -> None:
        try:
            _call("head bucket", lambda: self.client.head_bucket(Bucket=self.bucket))
        except FileNotFoundError:
            raise BlobStoreUnavailable(f"no bucket {self.bucket}") from None
