"""The accepted file types, told apart by their first bytes (shared by server and device)."""

from __future__ import annotations

import pytest

from shared_schema.forms import load_default_forms
from shared_schema.media import EXTENSIONS, MEDIA_TYPES, SNIFF_BYTES, family, sniff


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "application/pdf"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        (b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x00", "audio/mp4"),
        (b"OggS\x00\x02\x00\x00\x00\x00\x00\x00", "audio/ogg"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"),
        (b"\xff\xfb\x90\x64\x00\x00\x00", "audio/mpeg"),
    ],
)
def test_sniff_knows_every_accepted_type(head: bytes, media_type: str) -> None:
    assert sniff(head[:SNIFF_BYTES]) == media_type
    assert media_type in MEDIA_TYPES


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"GIF89a\x01\x00\x01\x00",
        b"PK\x03\x04\x14\x00\x06\x00",  # a zip (docx, xlsx)
        b"\x00\x00\x00\x20ftypqt  \x00\x00",  # a QuickTime video is not an audio brand
        b"RIFF\x24\x00\x00\x00WAVEfmt ",
        b"\xff\x00\x00\x00",  # 0xFF but no frame sync
        b"<html>",
    ],
)
def test_sniff_refuses_the_rest(head: bytes) -> None:
    assert sniff(head) is None


def test_every_type_has_an_extension_and_a_family() -> None:
    assert set(EXTENSIONS) == set(MEDIA_TYPES)
    assert len(set(EXTENSIONS.values())) == len(EXTENSIONS)
    assert {family(t) for t in MEDIA_TYPES if t.startswith("audio/")} == {"audio"}
    assert family("image/png") == "image/png"


def test_the_evidence_form_offers_exactly_these_types() -> None:
    evidence = load_default_forms().latest("evidence")
    media_type = evidence.field("media_type")
    if media_type is not None and media_type.choice_values:
        assert set(media_type.choice_values) <= set(MEDIA_TYPES)
