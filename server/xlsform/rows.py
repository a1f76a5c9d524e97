"""The workbook's cells as written, and what the mapping says of them (server/xlsform/mapping.py).

Texts (labels, hints, titles) are taken from here, not from pyxform's JSON: pyxform turns the
typographic quotes of Vietnamese titles (“…”) into straight ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Problem", "Rows", "yes"]


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str | None
    vi: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Rows:
    """The workbook's rows as written: field name → (row number, cells), (list, choice) → the
    same, and the settings' cells."""

    survey: dict[str, tuple[int, dict[str, Any]]]
    choices: dict[tuple[str, str], tuple[int, dict[str, Any]]]
    settings: dict[str, Any]

    def survey_row(self, name: str) -> int | None:
        return self.survey[name][0] if name in self.survey else None

    def texts(self, name: str, column: str) -> dict[str, str]:
        return _texts(self.survey.get(name, (0, {}))[1], column)

    def choice_texts(self, list_name: str, value: str) -> dict[str, str]:
        return _texts(self.choices.get((list_name, value), (0, {}))[1], "label")


def _lang(key: str) -> str | None:
    k = key.lower()
    if "(vi)" in k or k in ("vietnamese", "tiếng việt", "default"):
        return "vi"
    if "(en)" in k or k == "english":
        return "en"
    return None


def _texts(cells: Mapping[str, Any], column: str) -> dict[str, str]:
    """``{"vi", "en"}`` of a text column (``label``, ``label::Vietnamese (vi)``…) of a row."""
    out: dict[str, str] = {}
    plain = cells.get(column)
    for key, text in cells.items():
        head, _, lang_key = str(key).partition("::")
        lang = _lang(lang_key) if lang_key else None
        if head.strip() == column and lang and isinstance(text, str) and text.strip():
            out.setdefault(lang, text.strip())
    if isinstance(plain, str) and plain.strip():
        out.setdefault("vi", plain.strip())
        out.setdefault("en", plain.strip())
    return out


def yes(value: Any) -> bool | None:
    text = str(value or "").strip().lower()
    if text in ("", "no", "false", "false()", "0"):
        return False
    if text in ("yes", "true", "true()", "1"):
        return True
    return None
