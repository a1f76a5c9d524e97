"""The HTTP side of a chunked upload: the path's hash, ``Content-Range``, and the chunk's body.

What a chunk may be and where it goes (offsets, types, visibility) is
:mod:`server.services.attachments`; this module reads headers and the streamed body into the plain
values it takes.
"""

from __future__ import annotations

import re
import tempfile
import zlib
from pathlib import Path
from typing import IO

from server.errors import ServerError
from server.services.attachments import SNIFF_BYTES, ByteRange, check_first_bytes
from shared_schema.errors import ErrorCode

_RANGE_RE = re.compile(r"bytes[ \t]+(\d{1,15})-(\d{1,15})/(\d{1,15})")


def parse_content_range(header: str | None) -> ByteRange:
    """``bytes <start>-<end>/<total>`` with ``start <= end < total``; else ``invalid_request``."""
    m = _RANGE_RE.fullmatch((header or "").strip())
    if m is None:
        raise ServerError(
            ErrorCode.INVALID_REQUEST,
            {"header": "Content-Range", "expected": "bytes <start>-<end>/<total>"},
        )
    start, end, total = (int(g) for g in m.groups())
    if not start <= end < total:
        raise ServerError(
            ErrorCode.INVALID_REQUEST,
            {"header": "Content-Range", "reason": "needs start <= end < total"},
        )
    return ByteRange(start, end, total)


def check_chunk_shape(
    rng: ByteRange, content_length: str | None, content_encoding: str | None
) -> None:
    """Refuse, before reading a byte of it, a body that cannot be the chunk the range names."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding not in ("", "identity", "gzip"):
        raise ServerError(ErrorCode.INVALID_REQUEST, {"header": "Content-Encoding"})
    if rng.start == 0 and rng.length < min(SNIFF_BYTES, rng.total):
        # The type is checked from the first bytes, so the first chunk has to carry them.
        raise ServerError(
            ErrorCode.INVALID_REQUEST,
            {"header": "Content-Range", "reason": f"the first chunk must hold {SNIFF_BYTES} bytes"},
        )
    if content_length is None or encoding == "gzip":
        return
    try:
        declared = int(content_length)
    except ValueError:
        raise ServerError(ErrorCode.INVALID_REQUEST, {"header": "Content-Length"}) from None
    if declared > rng.length:
        raise ServerError(ErrorCode.BODY_TOO_LARGE, {"limit": rng.length})
    if declared < rng.length:
        raise ServerError(
            ErrorCode.INVALID_REQUEST,
            {"header": "Content-Length", "reason": "shorter than the Content-Range"},
        )


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
        rng: ByteRange,
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
            raise ServerError(ErrorCode.INVALID_REQUEST, {"reason": "not a gzip body"}) from None
        if self._inflate.unconsumed_tail:
            raise ServerError(ErrorCode.BODY_TOO_LARGE, {"limit": self.rng.length})
        self._take(out)

    def _take(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self.rng.length:
            raise ServerError(ErrorCode.BODY_TOO_LARGE, {"limit": self.rng.length})
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
            raise ServerError(ErrorCode.INVALID_REQUEST, {"reason": "truncated gzip body"})
        if not self._checked:
            self._check()
        if self._size != self.rng.length:
            raise ServerError(
                ErrorCode.INVALID_REQUEST,
                {"reason": "the body is shorter than its Content-Range", "received": self._size},
            )
        self._spool.seek(0)
        return self._spool

    def close(self) -> None:
        self._spool.close()
