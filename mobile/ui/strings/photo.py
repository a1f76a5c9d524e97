"""The photo screen."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "photo.title": ("Ảnh minh chứng", "Evidence photo"),
    "photo.take": ("Chụp ảnh", "Take a photo"),
    "photo.choose": (
        "Chọn tệp ảnh (JPEG, PNG, WebP) hoặc PDF:",
        "Choose a photo (JPEG, PNG, WebP) or a PDF:",
    ),
    "photo.chosen": ("Tệp: {name}", "File: {name}"),
    "photo.caption": ("Chú thích ảnh", "Caption"),
    "photo.save": ("Lưu minh chứng", "Save evidence"),
    "photo.none": ("Chưa chọn ảnh.", "No photo chosen."),
    "photo.working": ("Đang xử lý ảnh…", "Processing the photo…"),
    "photo.unsupported": (
        "Tệp này không phải ảnh JPEG, PNG, WebP hay PDF hợp lệ, hoặc quá lớn sau khi thu nhỏ (tối đa 25 MB).",
        "This file is not a valid JPEG, PNG, WebP or PDF, or is still over 25 MB after resizing.",
    ),
    "photo.unreadable": ("Không đọc được tệp này.", "Cannot read this file."),
}
