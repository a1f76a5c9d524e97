"""XLSForm workbooks for the tests, written by hand with openpyxl (not by the project's writer),
and the hostile files of pyxform's issue tracker."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import Workbook

__all__ = [
    "CONTEST_ID",
    "contest_form",
    "dimension_bomb",
    "macro_workbook",
    "memory_bomb",
    "workbook",
    "xml_bomb",
]

VI, EN = "label::Vietnamese (vi)", "label::English (en)"
CONTEST_ID = "hoi_thi_tay_nghe"


def workbook(
    survey: list[list[Any]],
    choices: list[list[Any]] | None = None,
    settings: dict[str, Any] | None = None,
) -> bytes:
    """An .xlsx of the three sheets; the first row of ``survey`` and ``choices`` is the header."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "survey"
    for row in survey:
        ws.append(row)
    if choices:
        cs = wb.create_sheet("choices")
        for row in choices:
            cs.append(row)
    if settings:
        ss = wb.create_sheet("settings")
        ss.append(list(settings))
        ss.append(list(settings.values()))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def contest_form(version: int = 10, *, extra_rows: list[list[Any]] | None = None) -> bytes:
    """Bạc Liêu's contests (issue 20: "Hội thi 'Tay nghề giỏi', 'Bàn tay vàng'") as an activity
    form an officer of the province would write: no ``unit`` row (the server adds it), a select
    with labels in both languages, required, constraints, and skip logic in XPath."""
    head = ["type", "name", VI, EN, "required", "relevant", "constraint", "hint::Vietnamese (vi)"]
    survey = [
        head,
        ["select_one kind", "kind", "Loại hoạt động", "Kind of activity", "yes", "", "", ""],
        [
            "text",
            "title",
            "Tên hội thi",
            "Name of the contest",
            "yes",
            "",
            "string-length(.) <= 200",
            "Ví dụ: Hội thi “Bàn tay vàng”",
        ],
        ["date", "date", "Ngày tổ chức", "Date held", "yes", "", ". >= date('2017-01-01')", ""],
        [
            "integer",
            "contestants",
            "Số người dự thi",
            "Contestants",
            "yes",
            "",
            ". >= 1 and . <= 5000",
            "",
        ],
        [
            "select_multiple prize",
            "prizes",
            "Giải thưởng đã trao",
            "Prizes awarded",
            "",
            "${contestants} > 0",
            "",
            "",
        ],
        [
            "text",
            "winner",
            "Người đạt giải nhất",
            "First prize winner",
            "",
            "selected(${prizes}, 'first')",
            "",
            "",
        ],
        [
            "decimal",
            "budget_million",
            "Kinh phí (triệu đồng)",
            "Budget (million VND)",
            "",
            "",
            ". >= 0",
            "",
        ],
    ]
    survey += extra_rows or []
    choices = [
        ["list_name", "name", VI, EN],
        ["kind", "conference", "Hội thi tập trung", "Contest held in one place"],
        ["kind", "other", "Hội thi trực tuyến", "Online contest"],
        ["prize", "first", "Giải nhất", "First prize"],
        ["prize", "second", "Giải nhì", "Second prize"],
        ["prize", "encouragement", "Giải khuyến khích", "Encouragement prize"],
    ]
    settings = {
        "form_id": CONTEST_ID,
        "version": str(version),
        "form_title": "Hội thi “Tay nghề giỏi”, “Bàn tay vàng”",
        "title_en": "Contests: “Skilled hands”, “Golden hands”",
        "entity": "activity",
    }
    return workbook(survey, choices, settings)


def memory_bomb() -> bytes:
    """pyxform #595's shape: a small file whose choices pyxform copies into every question that
    uses them (here 3,000 choices × 1,500 questions); about 200 KB on disk."""
    survey: list[list[Any]] = [["type", "name", VI]]
    survey += [["select_one big", f"q{i}", f"Câu {i}"] for i in range(1500)]
    choices: list[list[Any]] = [["list_name", "name", VI]]
    choices += [["big", f"c{i}", f"Lựa chọn số {i} của một danh sách rất dài"] for i in range(3000)]
    return workbook(survey, choices, {"form_id": "bomb", "version": "1", "entity": "activity"})


def _replace_part(
    data: bytes, name: str, content: bytes, extra: dict[str, bytes] | None = None
) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, content if info.filename == name else src.read(info))
        for extra_name, extra_content in (extra or {}).items():
            dst.writestr(extra_name, extra_content)
    return out.getvalue()


def dimension_bomb() -> bytes:
    """pyxform #604: a sheet that says it spans A1:AMJ1048576 (a million rows, 1,024 columns),
    with a cell every 40 rows down to the last one, and one in the last column."""
    data = contest_form(version=11)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    start = sheet.index(b"<dimension ref=")
    end = sheet.index(b"/>", start) + 2
    sheet = sheet[:start] + b'<dimension ref="A1:AMJ1048576"/>' + sheet[end:]
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>text</t></is></c></row>' % (r, r)
        for r in range(20, 1048576, 40)
    )
    last = b'<row r="1048576"><c r="AMJ1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = sheet.replace(b"</sheetData>", rows + last + b"</sheetData>")
    return _replace_part(data, "xl/worksheets/sheet1.xml", sheet)


def xml_bomb() -> bytes:
    """pyxform #501: billion laughs, a DTD of nested entities expanded in a cell of the survey."""
    ents = [b'<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.encode() for i in range(1, 10)
    ]
    data = contest_form(version=12)
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    if sheet.startswith(b"<?xml"):
        sheet = sheet[sheet.index(b"?>") + 2 :]
    sheet = b"<!DOCTYPE worksheet [" + b"".join(ents) + b"]>" + sheet
    sheet = sheet.replace("Loại hoạt động".encode(), b"&lol9;")
    return _replace_part(data, "xl/worksheets/sheet1.xml", sheet)


def macro_workbook() -> bytes:
    """An .xlsm: a VBA project inside, and the macro-enabled content type."""
    data = contest_form(version=13)
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    return _replace_part(
        data, "[Content_Types].xml", types, {"xl/vbaProject.bin": b"\xd0\xcf" * 64}
    )
