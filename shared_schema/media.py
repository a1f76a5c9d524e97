"""Evidence file types: which the system takes, how their first bytes look, their file extension.

The type of a file is decided by its content, never by its name or a client's word: the server
checks an upload's first bytes, and the device checks a photo before it stores it. Both use
:func:`sniff` so they can never disagree about what a file is.
"""

from __future__ import annotations

__all__ = [
    "EXTENSIONS",
    "MEDIA_TYPES",
    "MP4_AUDIO_BRANDS",
    "SNIFF_BYTES",
    "family",
    "sniff",
]

# The attachment types the server accepts and stores (SYNC.md "Attachments"); the evidence
# form's ``media_type`` choices.
MEDIA_TYPES: tuple[str, ...] = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/pdf",
    "audio/mp4",
    "audio/aac",
    "audio/mpeg",
    "audio/ogg",
)

# File name extension of each stored type (exports name files by it).
EXTENSIONS: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
}

# Enough leading bytes to tell every accepted format apart (MP4 needs 12: size, "ftyp", brand).
SNIFF_BYTES = 16

# ISO base media brands of audio files written by phones and recorders (M4A, 3GPP, plain MP4).
MP4_AUDIO_BRANDS = frozenset(
    {
        b"M4A ",
        b"M4B ",
        b"M4P ",
        b"F4A ",
        b"mp41",
        b"mp42",
        b"isom",
        b"iso2",
        b"iso4",
        b"iso5",
        b"iso6",
        b"3gp4",
        b"3gp5",
        b"3gp6",
        b"3gp7",
        b"dash",
    }
)


def family(media_type: str) -> str:
    """``audio`` for every audio type (phones label one recording several ways), else the type."""
    return "audio" if media_type.startswith("audio/") else media_type


def sniff(head: bytes) -> str | None:
    """The media type of a file from its first :data:`SNIFF_BYTES` bytes; None if not accepted."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp" and head[8:12] in MP4_AUDIO_BRANDS:
        return "audio/mp4"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if len(head) >= 3 and head[0] == 0xFF:
        b1, b2 = head[1], head[2]
        if b1 & 0xF6 == 0xF0:  # ADTS: 12-bit sync, layer 00
            return "audio/aac"
        version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
        bitrate, rate = b2 >> 4, (b2 >> 2) & 3
        if b1 & 0xE0 == 0xE0 and version != 1 and layer != 0 and bitrate != 15 and rate != 3:
            return "audio/mpeg"  # an MPEG audio frame header
    return None
