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


def _key_of(text: str) -> str:
    """The key by its definition: stroke letters to ``d``, NFD, marks dropped, case folded."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


class _WordKeys(dict[str, str]):
    """Word → its key, computed once per distinct word (a pulled page repeats its words a lot).

    Keying word by word is exact: whitespace is kept by every step and never made by one, and NFD
    only reorders marks between two starters, so nothing moves across a word boundary. Vietnamese
    has a few thousand syllables; the cap keeps a flood of distinct words from growing it.
    """

    _CAP = 50_000

    def __missing__(self, word: str) -> str:
        key = _key_of(word)
        if len(self) < self._CAP:
            self[word] = key
        return key


_WORD_KEYS = _WordKeys()


def search_key(text: str) -> str:
    """Lower-case, diacritics-free, whitespace-collapsed key: ``"Đoàn  Kết"`` → ``"doan ket"``."""
    if text.isascii():  # nothing to decompose or fold beyond lower case
        return " ".join(text.lower().split())
    # A word made only of marks has an empty key: filter(None) drops it as the definition does.
    return " ".join(filter(None, map(_WORD_KEYS.__getitem__, text.split())))
