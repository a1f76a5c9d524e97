"""The sandboxed reader: ``python -m server.xlsform.worker`` reads a workbook on stdin and writes
one JSON object on stdout. ``server.xlsform.sandbox`` starts it under CPU, memory and time limits;
nothing here is trusted by the server beyond that JSON.

Steps: every XML part's prolog is read with defusedxml (a DTD or an entity declaration, the
stuff of XML bombs, is refused before any parser expands it; a workbook never needs one), then
pyxform reads the workbook (``workbook_to_json``: the XLSForm rules, with its own row-numbered
errors), then :mod:`server.xlsform.mapping` maps it onto a form definition.

Output: ``{"definition": {...}, "warnings": [...]}``, or ``{"problems": [...]}`` (rows refused),
or ``{"refused": reason, "detail": text}`` (not a workbook we read).
"""

from __future__ import annotations

import io
import json
import re
import resource
import sys
import zipfile
from typing import Any

__all__ = ["main", "read_workbook"]

_ROW = re.compile(r"\[row\s*:\s*(\d+)\]")
_MAX_ROWS = 5000  # a choices sheet's rows; a survey's: _MAX_SURVEY_ROWS
_MAX_SURVEY_ROWS = 1000  # refused before pyxform builds anything (pyxform #595's cost is there)
_MAX_COLUMNS = 200
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*[0-9]*:?([A-Z]+)([0-9]+)"')


def _check_xml(data: bytes) -> None:
    """Refuse a DTD in any XML part (defusedxml stops at the declaration, before expanding it)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            with zf.open(info) as part:
                if info.filename.startswith("xl/worksheets/"):
                    head = part.read(1 << 16)
                    _check_dimension(info.filename, head)
                    part = io.BytesIO(head)
                if info.filename == "[Content_Types].xml":
                    head = part.read(1 << 20)
                    if b"macroEnabled" in head:
                        raise _Refused("macro", "a macro-enabled content type")
                    part = io.BytesIO(head)
                try:
                    for _event, _elem in iterparse(part, events=("start",), forbid_dtd=True):
                        break  # the prolog (where a DTD would be) is behind us: enough
                except DefusedXmlException as exc:
                    raise _Refused("unsafe_xml", f"{info.filename}: {type(exc).__name__}") from None
                except Exception as exc:  # a broken part: pyxform says it better below
                    if "DTD" in str(exc) or "ENTITY" in str(exc).upper():
                        raise _Refused("unsafe_xml", info.filename) from None


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _check_dimension(name: str, head: bytes) -> None:
    """A sheet that says it spans more than a form could (pyxform #604: A1:AMJ1048576) is
    refused before openpyxl walks it. (A sheet that does not say is bounded by the CPU limit.)"""
    m = _DIMENSION.search(head)
    if m and (int(m.group(2)) > _MAX_ROWS + 1 or _column_number(m.group(1)) > _MAX_COLUMNS):
        raise _Refused("sheet_too_large", f"{name}: {m.group(0).decode()}")


class _Refused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _rows(sheet: Any, key: str | tuple[str, str]) -> dict[Any, tuple[int, dict[str, Any]]]:
    """Key → (row number, a copy of the row's cells); taken before pyxform edits the rows."""
    out: dict[Any, tuple[int, dict[str, Any]]] = {}
    for i, row in enumerate(sheet or ()):
        if not isinstance(row, dict):
            continue
        k = row.get(key) if isinstance(key, str) else (row.get(key[0]), row.get(key[1]))
        if k and all(k) and k not in out:
            out[k] = (i + 2, dict(row))  # row 1 holds the headers
    return out


def read_workbook(data: bytes) -> dict[str, Any]:
    """The worker's answer for ``data`` (see the module docstring)."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    from server.xlsform.mapping import to_definition
    from server.xlsform.rows import Rows

    try:
        _check_xml(data)
    except _Refused as exc:
        return {"refused": exc.reason, "detail": exc.detail}
    except zipfile.BadZipFile as exc:
        return {"refused": "not_xlsx", "detail": str(exc)}
    try:
        book = get_xlsform(io.BytesIO(data), file_type=".xlsx")
    except PyXFormError as exc:
        return {"refused": "not_xlsx", "detail": str(exc)[:300]}
    survey = book.survey or []
    choices = book.choices or []
    for sheet, rows_of, most in (
        ("survey", survey, _MAX_SURVEY_ROWS),
        ("choices", choices, _MAX_ROWS),
    ):
        if len(rows_of) > most:
            return {
                "problems": [
                    {
                        "sheet": sheet,
                        "row": most + 2,
                        "column": None,
                        "vi": f"quá {most} dòng: một biểu mẫu không dài đến thế",
                        "en": f"more than {most} rows: no form is that long",
                    }
                ]
            }
    rows = Rows(
        survey=_rows(survey, "name"),
        choices=_rows(choices, ("list_name", "name")),
        settings=dict((book.settings or [{}])[0]) if book.settings else {},
    )
    warnings: list[str] = []
    try:
        data_json = workbook_to_json(workbook_dict=book, warnings=warnings)
    except PyXFormError as exc:
        text = str(exc)
        m = _ROW.search(text)
        return {
            "problems": [
                {
                    "sheet": "survey",
                    "row": int(m.group(1)) if m else None,
                    "column": None,
                    "vi": f"XLSForm không hợp lệ: {text}",
                    "en": f"not a valid XLSForm: {text}",
                }
            ]
        }
    definition, problems = to_definition(data_json, rows)
    if problems:
        return {"problems": [p.as_dict() for p in problems]}
    return {"definition": definition, "warnings": warnings[:50]}


def _limit(cpu_seconds: int, memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> None:
    _limit(int(sys.argv[1]), int(sys.argv[2]))  # before the workbook's first byte is read
    data = sys.stdin.buffer.read()
    try:
        answer = read_workbook(data)
    except MemoryError:
        answer = {"refused": "too_complex", "detail": "memory"}
    except RecursionError:
        answer = {"refused": "too_complex", "detail": "nesting"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
