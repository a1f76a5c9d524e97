"""A realistic Vietnamese vocabulary for the benchmarks' text (issue 22).

The race against PouchDB once drew its text from 23 words: the device's search key was then a
quarter of its real length and gzip looked better than it is. These are the words of the
movement's own language instead: every syllable and every pair of neighbouring syllables (most
Vietnamese words are one or two syllables) in the reports of the seeds and in the forms'
Vietnamese labels, hints and choices, and the names of the districts (places an officer writes
about).

    python bench/vocab.py ../shared/seeds     # writes bench/vocab_vi.txt again from the seeds

The list is kept in the repository (``bench/vocab_vi.txt``) so that a checkout without the seeds
draws the same words.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORDS_FILE = ROOT / "bench" / "vocab_vi.txt"
DATA = ROOT / "shared_schema" / "data"
_BREAK = re.compile(r"[^\w\s]|\d|_|\n")
_PLACE_KIND = re.compile(r"^(Phường|Xã|Thị trấn|Đặc khu|Quận|Huyện|Thị xã|Thành phố) ")


def _vi_strings(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "vi" and isinstance(value, str):
                out.append(value)
            else:
                _vi_strings(value, out)
    elif isinstance(node, list):
        for value in node:
            _vi_strings(value, out)


def build(seeds: Path) -> list[str]:
    """Syllables and two-syllable words of the seeds and forms, then place names; each once."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds.glob("*.txt"))]
    for form in sorted((DATA / "forms").glob("*.json")):
        _vi_strings(json.loads(form.read_text(encoding="utf-8")), texts)
    words: dict[str, None] = {}
    for text in texts:
        for phrase in _BREAK.split(unicodedata.normalize("NFC", text)):
            syllables = phrase.split()
            words.update(dict.fromkeys(syllables))
            words.update(dict.fromkeys(f"{a} {b}" for a, b in itertools.pairwise(syllables)))
    reform = json.loads((DATA / "reform_2025.json").read_text(encoding="utf-8"))
    for name in (d["name"] for d in reform["districts"].values()):
        words[_PLACE_KIND.sub("", unicodedata.normalize("NFC", name))] = None
    return list(words)


@cache
def words() -> tuple[str, ...]:
    return tuple(WORDS_FILE.read_text(encoding="utf-8").split("\n")[:-1])


if __name__ == "__main__":
    built = build(Path(sys.argv[1]))
    WORDS_FILE.write_text("".join(w + "\n" for w in built), encoding="utf-8")
    syllables = {s.lower() for w in built for s in w.split()}
    print(f"{len(built):,} words ({len(syllables):,} distinct syllables) -> {WORDS_FILE}")
