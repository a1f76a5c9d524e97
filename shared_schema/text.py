"""Vietnamese text: NFC storage and a diacritics-free search key.

Phones and keyboards produce both composed ("ế" as one code point) and decomposed
("e" + U+0302 + U+0301) forms. Everything stored is NFC; search compares keys
with the marks removed, so "doan ket" finds "Đoàn Kết".
"""

from __future__ import annotations

import unicodedata
from typing import Any

__all__ = ["nfc", "nfc_deep", "search_key"]

# "đ"/"Đ" is a letter of its own, not "d" plus a mark: NFD leaves it alone.
_STROKE = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC."""
    return unicodedata.normalize("NFC", text)


def nfc_deep(value: Any) -> Any:
    """NFC every string inside a JSON-like value (keys too); other values are returned as they are."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {nfc_deep(k): nfc_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc_deep(v) for v in value]
    return value


def search_key(text: str) -> str:
    """Lower-case, diacritics-free, whitespace-collapsed key: ``"Đoàn  Kết"`` → ``"doan ket"``."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())
