"""The pages' translation table: every key a template uses exists, both languages, NFC text."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from server.web.i18n import TEXT, tr

TEMPLATES = Path(__file__).resolve().parents[2] / "server" / "web" / "templates"
PAGES = Path(__file__).resolve().parents[2] / "server" / "web" / "pages"


def test_every_text_in_both_languages_and_nfc() -> None:
    for key, (vi, en) in TEXT.items():
        assert vi.strip() and en.strip(), key
        assert unicodedata.normalize("NFC", vi) == vi, key
        assert unicodedata.normalize("NFC", en) == en, key
    assert tr("dashboard", "vi") == "Tổng quan" and tr("dashboard", "en") == "Dashboard"


def test_every_key_the_templates_use_is_in_the_table() -> None:
    used: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_]+)'\)", path.read_text(encoding="utf-8")))
    for path in PAGES.glob("*.py"):
        used |= set(re.findall(r"\bweb\.t\(\"([a-z_]+)\"\)", path.read_text(encoding="utf-8")))
    assert used, "no key found: the pattern is wrong"
    assert sorted(used - TEXT.keys()) == []
