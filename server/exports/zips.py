"""Zip members for :func:`stream_zip.stream_zip`, which writes an archive front to back.

stream-zip (a maintained library) replaces a hand-written streaming writer: constant memory (each
member's bytes pass through as they are produced), ZIP64 for the zips (a district's media.zip can
pass 4 GiB), plain 32-bit zip for the parts of an xlsx (:func:`xlsx_member`).
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, BinaryIO

from stream_zip import NO_COMPRESSION_64, ZIP_32, ZIP_64, MemberFile, stream_zip

from server.clock import utc_now

__all__ = [
    "FLUSH",
    "READ_BLOCK",
    "archive",
    "csv_member",
    "csv_text",
    "stored_member",
    "xlsx_member",
]

FLUSH = 64 * 1024  # bytes gathered before a chunk goes to the client
READ_BLOCK = 256 * 1024
_MODE = 0o644  # rw-r--r-- when unzipped (zero would be no access at all)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_EARLIEST = datetime(1980, 1, 1)  # the earliest a zip can say


def archive(members: Iterable[MemberFile]) -> Iterator[bytes]:
    """The archive's bytes; deflate at zlib's default level, as zipfile wrote it (9 is slower)."""
    return iter(
        stream_zip(
            members,
            chunk_size=FLUSH,
            get_compressobj=lambda: zlib.compressobj(
                zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS
            ),
        )
    )


def _stamp(when: datetime | None) -> datetime:
    """A naive UTC time as stream-zip wants it: aware, and not before 1980."""
    return max(when or utc_now(), _EARLIEST).replace(tzinfo=UTC)


def csv_text(value: Any) -> str:
    """A cell as CSV text: ``.`` decimals, ISO dates, and a leading ``'`` before what Excel would
    run as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if not value.is_integer() or abs(value) >= 1e16 else str(int(value))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_chunks(header: list[str], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel on Windows reads Vietnamese right only then), in ~64 KiB chunks."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    prefix = b"\xef\xbb\xbf"
    for values in rows:
        writer.writerow([csv_text(v) for v in values])
        if buf.tell() >= FLUSH:
            yield prefix + buf.getvalue().encode("utf-8")
            prefix = b""
            buf.seek(0)
            buf.truncate()
    yield prefix + buf.getvalue().encode("utf-8")


def csv_member(name: str, header: list[str], rows: Iterable[list[Any]]) -> MemberFile:
    """A deflated CSV member whose rows are written as the archive reaches them."""
    return (name, _stamp(None), _MODE, ZIP_64, _csv_chunks(header, rows))


def stored_member(name: str, when: datetime, f: BinaryIO) -> MemberFile:
    """A member stored as it is (media is compressed already), read from ``f``, then closed.

    A stored member needs its CRC-32 and size before its bytes: the file is read once for them
    and once into the archive (the second read comes from the page cache).
    """
    crc, size = 0, 0
    while block := f.read(READ_BLOCK):
        crc = zlib.crc32(block, crc)
        size += len(block)
    f.seek(0)

    def chunks() -> Iterator[bytes]:
        with f:
            while block := f.read(READ_BLOCK):
                yield block

    return (name, _stamp(when), _MODE, NO_COMPRESSION_64(size, crc), chunks())


def xlsx_member(name: str, chunks: Iterable[bytes]) -> MemberFile:
    """A deflated part of an xlsx, written as ``chunks`` come.

    ZIP_32, not ZIP_64, deliberately. Every zip reader opens a 32-bit zip. ZIP64 in an Office
    file is another matter: Excel is reported to accept only the ZIP64 layout Office writes
    itself (Apache POI bug 57342: sizes in the local header's 32-bit fields, no ZIP64 end
    record), which stream-zip's ZIP64 members are not, and stream-zip's own documentation notes
    that LibreOffice refuses ZIP64 packages. The price is 4 GiB: a part, compressed or not, and
    the whole file must stay under it, or stream-zip raises ``ZipOverflowError`` mid-stream and
    the download is cut (a broken file, never a wrong one). :mod:`.xlsx` moves on to a new sheet
    well before a sheet's XML nears the limit; an xlsx whose compressed size passed 4 GiB
    (some 40 GiB of XML) would be far beyond what Excel can open anyway.
    """
    return (name, _stamp(None), _MODE, ZIP_32, chunks)
