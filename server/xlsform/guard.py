"""The checks a workbook passes before anything opens it: size, type, and what its zip holds.

Run in the server's own process, so they read only the bytes' start and the zip's central
directory (a few KB whatever the file): nothing is decompressed here. What they refuse:
an empty file, one over :data:`MAX_BYTES`, anything that is not a zip (an old ``.xls``, an
encrypted workbook, a PDF…), a macro workbook (``.xlsm``: ``vbaProject.bin`` or a macro content
type), a zip of too many parts, or whose parts would expand past :data:`MAX_EXPANDED` or by more
than :data:`MAX_RATIO` times (a zip bomb). The XML itself is read with defusedxml in the
sandboxed worker (``server.xlsform.worker``).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

__all__ = ["MAX_BYTES", "MAX_EXPANDED", "MAX_PARTS", "MAX_RATIO", "Refusal", "check_workbook"]

MAX_BYTES = 2 * 1024 * 1024
MAX_EXPANDED = 40 * 1024 * 1024
MAX_RATIO = 100
MAX_PARTS = 200
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MACRO_HINTS = ("vbaproject", "macroenabled", "vbadata", "xl/macrosheets/")


@dataclass(frozen=True)
class Refusal(Exception):
    """Why a workbook is refused: ``reason`` a stable word, ``status`` 400/413/415/422."""

    reason: str
    status: int
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


def check_workbook(data: bytes, *, max_bytes: int = MAX_BYTES) -> None:
    """Raise :class:`Refusal` unless ``data`` may be handed to the sandboxed reader."""
    if not data:
        raise Refusal("empty", 400)
    if len(data) > max_bytes:
        raise Refusal("too_large", 413, f"{len(data)} > {max_bytes} bytes")
    if data.startswith(_OLE_MAGIC):
        raise Refusal("not_xlsx", 415, "an .xls or encrypted workbook (save it as .xlsx)")
    if not data.startswith(_ZIP_MAGIC):
        raise Refusal("not_xlsx", 415, "not an .xlsx workbook")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise Refusal("not_xlsx", 415, f"a broken zip: {exc}") from None
    if len(infos) > MAX_PARTS:
        raise Refusal("too_many_parts", 413, f"{len(infos)} > {MAX_PARTS} parts")
    names = {i.filename.lower() for i in infos}
    if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
        raise Refusal("not_xlsx", 415, "a zip, but not a workbook")
    if any(hint in name for name in names for hint in _MACRO_HINTS):
        raise Refusal("macro", 415, "a workbook with macros (.xlsm)")
    expanded = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Refusal("not_xlsx", 415, "an encrypted part")
        expanded += info.file_size
        if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 1 << 20:
            raise Refusal("zip_ratio", 413, f"{info.filename} expands {info.file_size} bytes")
    if expanded > MAX_EXPANDED:
        raise Refusal("zip_ratio", 413, f"{expanded} > {MAX_EXPANDED} bytes expanded")
