"""NFC storage and the diacritics-free search key (DOMAIN.md, last paragraph)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shared_schema.text import nfc, nfc_deep, search_key

E_CIRCUMFLEX_ACUTE_DECOMPOSED = "e\u0302\u0301"  # "ế" as a phone keyboard may type it
E_CIRCUMFLEX_ACUTE = "\u1ebf"

# Vietnamese letters and marks, decomposed and composed, with whitespace of several kinds.
vietnamese_text = st.lists(
    st.sampled_from(
        [
            *"aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ ",
            *("\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"),
            *("\t", "\n", "\u00a0", "  ", "ế", "ự", "Đoàn", "Kết"),
        ]
    ),
    max_size=40,
).map("".join)


def test_nfc_composes_decomposed_input() -> None:
    assert E_CIRCUMFLEX_ACUTE_DECOMPOSED != E_CIRCUMFLEX_ACUTE
    assert nfc(E_CIRCUMFLEX_ACUTE_DECOMPOSED) == E_CIRCUMFLEX_ACUTE
    assert len(nfc("Ki" + E_CIRCUMFLEX_ACUTE_DECOMPOSED + "n")) == 4
    assert nfc("u\u031b\u0323") == "ự"
    assert nfc("Đoàn kết") == "Đoàn kết"


def test_nfc_deep() -> None:
    value = {
        "te\u0302n": ["Ki" + E_CIRCUMFLEX_ACUTE_DECOMPOSED + "n", 1, None],
        "n": 2.5,
        "b": True,
        "g": {"x": "u\u031b\u0323"},
    }
    assert nfc_deep(value) == {
        "tên": ["Kiến", 1, None],
        "n": 2.5,
        "b": True,
        "g": {"x": "ự"},
    }
    assert nfc_deep(None) is None
    assert nfc_deep(7) == 7


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Đoàn Kết", "doan ket"),
        ("Đoàn kết sáng tạo", "doan ket sang tao"),
        ("đ", "d"),
        ("Đ", "d"),
        ("  Đoàn \t\n Kết  ", "doan ket"),
        ("Đoàn\u00a0Kết", "doan ket"),
        ("Kie" + "\u0302\u0301" + "n", "kien"),
        ("Kiến", "kien"),
        ("Hợp tác xã Ea Pô", "hop tac xa ea po"),
        ("Xã Đắk Wil", "xa dak wil"),
        ("NGƯỜI VIỆT NAM", "nguoi viet nam"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_search_key(text: str, key: str) -> None:
    assert search_key(text) == key


def test_search_key_composed_and_decomposed_agree() -> None:
    composed = "Thị trấn Ea T'Ling, Cư Jút, Đắk Nông"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert search_key(composed) == search_key(decomposed) == "thi tran ea t'ling, cu jut, dak nong"


@settings(max_examples=500)
@given(st.text())
@example("İ")
@example("ǰ")
@example("\u0345")
def test_search_key_idempotent_any_text(text: str) -> None:
    key = search_key(text)
    assert search_key(key) == key
    assert key == key.strip()
    assert "  " not in key
    assert not any(unicodedata.combining(ch) for ch in key)


@settings(max_examples=500)
@given(vietnamese_text)
def test_search_key_vietnamese(text: str) -> None:
    key = search_key(text)
    assert search_key(key) == key
    assert search_key(nfc(text)) == key
    assert search_key(unicodedata.normalize("NFD", text)) == key
    assert key.isascii()  # Vietnamese letters all fold to ASCII
    assert key == key.lower()


@settings(max_examples=500)
@given(st.text())
def test_nfc_idempotent(text: str) -> None:
    once = nfc(text)
    assert nfc(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert nfc(unicodedata.normalize("NFD", text)) == once


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


def _all_nfc(value: object) -> bool:
    if isinstance(value, str):
        return unicodedata.is_normalized("NFC", value)
    if isinstance(value, list):
        return all(_all_nfc(v) for v in value)
    if isinstance(value, dict):
        return all(_all_nfc(k) and _all_nfc(v) for k, v in value.items())
    return True


@settings(max_examples=300)
@given(json_values)
def test_nfc_deep_property(value: object) -> None:
    out = nfc_deep(value)
    assert _all_nfc(out)
    assert nfc_deep(out) == out


def _reference_key(text: str) -> str:
    """search_key as first written: the whole text at once, character loop over its NFD."""
    stroke = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})
    decomposed = unicodedata.normalize("NFD", text.translate(stroke))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


@settings(max_examples=1000)
@given(st.text() | vietnamese_text)
@example("İstanbul ǰ \u0345 ß ﬁ Σσς")
@example("a\u0323\u0302\u0301 ĐÐđð")
def test_search_key_is_the_whole_text_algorithm(text: str) -> None:
    """The per-character table gives exactly the key of the whole-text algorithm."""
    assert search_key(text) == _reference_key(text)
