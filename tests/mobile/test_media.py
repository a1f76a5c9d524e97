"""Evidence files: real JPEGs with EXIF orientation and GPS made with Pillow, PNG, WebP, PDF."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from mobile.core.device import Device
from mobile.core.media import UnsupportedFile, sniff_media_type
from tests.mobile.conftest import area_values, model_values


def jpeg_with_exif(
    width: int = 4000, height: int = 3000, *, orientation: int = 6, gps: bool = True
) -> bytes:
    """A camera-like JPEG: stored landscape, EXIF says 'rotate 90° CW' (6), with GPS and time."""
    img = Image.new("RGB", (width, height), (200, 30, 30))
    # Mark the top-left corner so the test can see where it ends up after rotation.
    img.paste((0, 0, 255), (0, 0, width // 4, height // 4))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[306] = "2026:03:14 09:26:53"
    exif.get_ifd(0x8769)[36867] = "2026:03:14 09:26:53"
    exif.get_ifd(0x8769)[36881] = "+07:00"
    if gps:
        # Cư Jút, Đắk Nông: 12°40'48" N, 107°52'12" E, 420 m
        exif.get_ifd(0x8825).update(
            {1: "N", 2: (12.0, 40.0, 48.0), 3: "E", 4: (107.0, 52.0, 12.0), 5: 0, 6: 420.0}
        )
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def test_jpeg_is_turned_resized_and_keeps_time_and_gps(device: Device, tmp_path: Path) -> None:
    src = tmp_path / "IMG_0001.JPG"
    src.write_bytes(jpeg_with_exif())
    stored = device.media.add(src)
    assert stored.media_type == "image/jpeg"
    # 4000x3000 landscape, orientation 6 -> upright portrait, longest side 1600.
    assert (stored.width, stored.height) == (1200, 1600)
    with Image.open(stored.path) as img:
        assert img.size == (1200, 1600)
        assert img.getexif().get(0x0112) in (None, 1)  # no viewer turns it twice
        # The blue top-left corner of the sensor image is now at the top right.
        assert img.getpixel((1150, 50))[2] > 200
        assert img.getpixel((50, 50))[0] > 150
    assert stored.taken_at == "2026-03-14T09:26:53+07:00"
    assert stored.gps is not None
    assert stored.gps["lat"] == pytest.approx(12.68, abs=1e-6)
    assert stored.gps["lon"] == pytest.approx(107.87, abs=1e-6)
    assert stored.gps["altitude"] == pytest.approx(420.0)
    data = stored.path.read_bytes()
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    # Content-addressed: the file name is the hash, never the camera's name.
    assert stored.path.name == stored.sha256 and "IMG_0001" not in str(stored.path)
    assert stored.path.parent.name == stored.sha256[:2]
    # Queued for upload.
    assert [p["sha256"] for p in device.media.pending()] == [stored.sha256]


def test_settings_drive_size_and_quality(device: Device) -> None:
    small = device.media.add(jpeg_with_exif(orientation=1), max_side=800, jpeg_quality=50)
    big = device.media.add(jpeg_with_exif(orientation=1), max_side=2000, jpeg_quality=90)
    assert (small.width, small.height) == (800, 600)
    assert (big.width, big.height) == (2000, 1500)
    assert small.size < big.size


def test_same_photo_stored_once(device: Device) -> None:
    a = device.media.add(jpeg_with_exif())
    b = device.media.add(jpeg_with_exif())
    assert a.sha256 == b.sha256
    assert len(device.media.pending()) == 1


@pytest.mark.parametrize(("fmt", "media_type"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp(device: Device, fmt: str, media_type: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (3200, 800), (10, 200, 10)).save(out, fmt)
    stored = device.media.add(out.getvalue())
    assert stored.media_type == media_type
    assert (stored.width, stored.height) == (1600, 400)
    assert sniff_media_type(stored.path.read_bytes()[:16]) == media_type


def test_pdf_kept_byte_for_byte(device: Device) -> None:
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    stored = device.media.add(pdf)
    assert stored.media_type == "application/pdf"
    assert stored.path.read_bytes() == pdf
    assert stored.sha256 == hashlib.sha256(pdf).hexdigest()


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a\x01\x00\x01\x00",
        b"<html>not a photo</html>",
        b"MZ\x90\x00 an exe",
        b"",
        b"\xff\xd8\xff\xe0 truncated jpeg",
        b"%PD",
    ],
)
def test_other_files_refused(device: Device, data: bytes) -> None:
    with pytest.raises(UnsupportedFile):
        device.media.add(data)
    assert device.media.pending() == []


def test_path_of_refuses_non_hashes(device: Device) -> None:
    with pytest.raises(ValueError):
        device.media.path_of("../../etc/passwd")


def test_add_evidence_fills_the_record(device: Device) -> None:
    area = device.records.create("residential_area", area_values()).record_id
    model = device.records.create("model", model_values(area)).record_id
    stored, res = device.add_evidence(
        jpeg_with_exif(), parent_field="model", parent_id=model, caption="Nhà lưới"
    )
    assert res.finalized, res.issues
    fields = device.records.get(res.record_id).fields
    assert fields["sha256"] == stored.sha256 and fields["size"] == stored.size
    assert fields["media_type"] == "image/jpeg" and fields["model"] == model
    assert fields["captured_at"] == "2026-03-14T09:26:53+07:00"
    assert fields["location"]["lat"] == pytest.approx(12.68)
    assert fields["unit"] == "24643"


def test_an_initiatives_dossier_is_evidence_of_it(device: Device) -> None:
    """Form set v2 (issue 20): evidence names an initiative (its dossier) or an activity."""
    initiative = device.records.create(
        "initiative",
        {"title": "Phần mềm một cửa", "authors": "Lê Văn C", "field": "education"},
    ).record_id
    activity = device.records.create(
        "activity",
        {"kind": "facebook", "title": "Tin trên Facebook", "date": "2022-10-10"},
    ).record_id
    for field, parent in (("initiative", initiative), ("activity", activity)):
        _stored, res = device.add_evidence(
            jpeg_with_exif(), parent_field=field, parent_id=parent, caption="Hồ sơ"
        )
        assert res.finalized, res.issues
        fields = device.records.get(res.record_id).fields
        assert (fields[field], fields["form_version"]) == (parent, 2)
        assert "model" not in fields and fields["unit"] == "24643"
