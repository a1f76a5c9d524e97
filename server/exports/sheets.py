"""Minimal SpreadsheetML (the XML inside an ``.xlsx``), written front to back for :mod:`.xlsx`.

A worksheet's XML comes out as its rows are made (:meth:`Sheet.xml`), so it can go into a zip
member while the records are still being read; what depends on the whole workbook (the sheet
list, the autofilters' defined names, the content types) is small and written last
(:func:`package_parts`). Every text is an inline string (``t="inlineStr"``): never a formula, no
shared-strings table to hold in memory.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from server.exports.zips import FLUSH

__all__ = ["BOLD", "HEAD", "MAX_TEXT", "Sheet", "package_parts", "sheet_name", "text_xml"]

MAX_TEXT = 32_767  # characters Excel keeps in a cell
# cellXfs in styles.xml: 0 plain, then these
HEAD, DATE, STAMP, BOLD = 1, 2, 3, 4

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# What XML 1.0 forbids (C0 controls but tab, LF, CR; lone surrogates; U+FFFE, U+FFFF): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel reads "_x0041_" in a string as "A": a literal one is escaped as "_x005F_x0041_".
_EXCEL_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")
_UNUSUAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]|_x")
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})
_EPOCH = datetime(1899, 12, 30)  # serial 0 of Excel's 1900 date system
_FIRST_DAY = datetime(1900, 3, 1)  # before it, Excel's serials count a 29 February 1900
_NOT_IN_NAME = re.compile(r"[\[\]:*?/\\]")


def text_xml(value: str) -> str:
    """A text as cell content: XML-escaped, without what XML forbids, at most 32,767 chars."""
    if _UNUSUAL.search(value) is not None:  # rare: the regexes only then
        value = _EXCEL_ESCAPE.sub(r"_x005F_\1", _NOT_XML.sub("", value)[:MAX_TEXT])
    else:
        value = value[:MAX_TEXT]
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")  # a bare CR would be read back as LF
    return value


def _attr(value: str) -> str:
    return _NOT_XML.sub("", value).translate(_ATTR_ESCAPES)


def sheet_name(base: str, part: int = 1) -> str:
    """A name Excel accepts: at most 31 characters, none of ``[]:*?/\\``, no ``'`` at either end;
    ``part`` 2 and on adds `` (2)``."""
    suffix = f" ({part})" if part > 1 else ""
    name = _NOT_IN_NAME.sub("_", _NOT_XML.sub("", base)).strip("'")
    return (name[: 31 - len(suffix)] or "sheet") + suffix


def column_letters(i: int) -> str:
    """``A`` for 0, ``Z`` for 25, ``AA`` for 26."""
    out = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        out = chr(65 + rest) + out
    return out


def _width(chars: float) -> str:
    """A column width as Excel stores it for Calibri 11 (7-pixel digits, 5 pixels of padding)."""
    pixels = int(chars * 7 + 0.5) + 5
    return repr(int(pixels / 7 * 256) / 256)


def _serial(value: datetime) -> float | None:
    """Days since Excel's epoch, or None before 1 March 1900 (Excel's serials are off there)."""
    if value < _FIRST_DAY:
        return None
    return (value - _EPOCH) / timedelta(days=1)


def _cell(ref: str, value: Any, style: int) -> str:
    if type(value) is not str:  # texts first: most cells are
        if value is None:
            return ""
        if isinstance(value, bool):
            s = f' s="{style}"' if style else ""
            return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
            s = f' s="{style}"' if style else ""
            return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
        if isinstance(value, date):
            is_stamp = isinstance(value, datetime)
            when = value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])
            serial = _serial(when.replace(tzinfo=None))
            if serial is not None:
                return f'<c r="{ref}" s="{STAMP if is_stamp else DATE}"><v>{serial!r}</v></c>'
        value = str(value)  # dates before 1 March 1900 as ISO text
    text = text_xml(value)
    s = f' s="{style}"' if style else ""
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


class Sheet:
    """One worksheet: its name, its part (``xl/worksheets/sheet<number>.xml``), its columns'
    widths, the rows and columns frozen at its top left, and whether it has an autofilter over
    its first row. :meth:`row` makes a row's XML; :meth:`xml` writes the part around them."""

    def __init__(
        self,
        name: str,
        number: int,
        widths: Sequence[float],
        *,
        freeze: tuple[int, int] = (1, 0),
        autofilter: bool = True,
    ) -> None:
        self.name = name
        self.path = f"xl/worksheets/sheet{number}.xml"
        self.widths = list(widths)
        self.freeze = freeze
        self.autofilter = autofilter
        self.letters = [column_letters(i) for i in range(len(self.widths))]
        self.rows = 0  # rows made so far
        self.size = 0  # bytes of XML written so far

    def row(self, values: Iterable[Any], style: int = 0) -> str:
        """The next row: values left to right (None leaves a cell empty); numbers, booleans,
        dates and datetimes typed, anything else a text."""
        self.rows += 1
        r = self.rows
        cells = "".join(
            [_cell(f"{c}{r}", v, style) for c, v in zip(self.letters, values, strict=False)]
        )
        return f'<row r="{r}">{cells}</row>'

    def skip(self) -> None:
        """Leave the next row empty."""
        self.rows += 1

    def filter_range(self) -> str:
        """The autofilter's range: the header row down to the last row."""
        return f"$A$1:${self.letters[-1]}${max(self.rows, 1)}"

    def _head(self) -> str:
        rows, cols = self.freeze
        view = ""
        if rows or cols:
            pane = {(True, False): "bottomLeft", (False, True): "topRight"}.get(
                (rows > 0, cols > 0), "bottomRight"
            )
            split = (f' xSplit="{cols}"' if cols else "") + (f' ySplit="{rows}"' if rows else "")
            top_left = f"{column_letters(cols)}{rows + 1}"
            view = (
                f'<pane{split} topLeftCell="{top_left}" activePane="{pane}" state="frozen"/>'
                f'<selection pane="{pane}" activeCell="{top_left}" sqref="{top_left}"/>'
            )
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{_width(w)}" customWidth="1"/>'
            for i, w in enumerate(self.widths, start=1)
        )
        return (
            f'{_DECL}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<sheetViews><sheetView workbookViewId="0">{view}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols><sheetData>'
        )

    def xml(self, rows: Iterable[str]) -> Iterator[bytes]:
        """The part's UTF-8 bytes, in chunks of about 64 KiB, as ``rows`` (from :meth:`row`)
        come."""
        buf = [self._head()]
        pending = len(buf[0])
        for row in rows:
            buf.append(row)
            pending += len(row)
            if pending >= FLUSH:
                data = "".join(buf).encode()
                self.size += len(data)
                yield data
                buf, pending = [], 0
        buf.append("</sheetData>")
        if self.autofilter:
            buf.append(f'<autoFilter ref="{self.filter_range().replace("$", "")}"/>')
        buf.append("</worksheet>")
        data = "".join(buf).encode()
        self.size += len(data)
        yield data


_STYLES = f"""{_DECL}<styleSheet xmlns="{_MAIN}">\
<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>\
<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>\
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">\
<alignment vertical="top" wrapText="1"/></xf>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def package_parts(sheets: Sequence[Sheet]) -> list[tuple[str, bytes]]:
    """The parts around the worksheets, ``sheets`` in tab order: workbook, its relationships,
    the package's, the content types and the styles."""
    tabs, names, rels, types = [], [], [], []
    for i, sheet in enumerate(sheets):
        target = sheet.path.removeprefix("xl/")
        tabs.append(f'<sheet name="{_attr(sheet.name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>')
        rels.append(f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" Target="{target}"/>')
        types.append(f'<Override PartName="/{sheet.path}" ContentType="{_CT}.worksheet+xml"/>')
        if sheet.autofilter:  # Excel wants the hidden name of each sheet's filtered range
            quoted = "'" + sheet.name.replace("'", "''") + "'"
            names.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                f"{_attr(quoted)}!{sheet.filter_range()}</definedName>"
            )
    rels.append(
        f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    )
    defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
    workbook = (
        f'{_DECL}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
        f"<sheets>{''.join(tabs)}</sheets>{defined}</workbook>"
    )
    content_types = (
        f'{_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
        f"{''.join(types)}</Types>"
    )
    package_rels = (
        f'{_DECL}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook_rels = f'{_DECL}<Relationships xmlns="{_PKG_REL}">{"".join(rels)}</Relationships>'
    return [
        ("xl/workbook.xml", workbook.encode()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.encode()),
        ("_rels/.rels", package_rels.encode()),
        ("[Content_Types].xml", content_types.encode()),
        ("xl/styles.xml", _STYLES.encode()),
    ]
