"""One record's screen."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "record.edit": ("Sửa", "Edit"),
    "record.delete": ("Xóa", "Delete"),
    "record.delete_q": (
        "Xóa “{title}”? Việc xóa được gửi lên máy chủ ở lần đồng bộ sau.",
        "Delete “{title}”? The deletion is sent to the server at the next sync.",
    ),
    "record.discard": ("Bỏ thay đổi bị từ chối", "Drop refused changes"),
    "record.discard_q": (
        "Bỏ các thay đổi bị máy chủ từ chối và giữ bản trên máy chủ?",
        "Drop the changes the server refused and keep the server's version?",
    ),
    "record.add_visit": ("+ Lượt khảo sát", "+ Visit"),
    "record.add_photo": ("+ Ảnh minh chứng", "+ Photo"),
    "record.see_conflicts": ("Xem xung đột", "See conflicts"),
    "record.before_2025": ("Trước 1/7/2025", "Before 1 July 2025"),
    "record.returned": ("Bị trả lại. Lý do: {reason}", "Returned. Reason: {reason}"),
    "record.rejected": ("Máy chủ từ chối: {reason}", "Refused by the server: {reason}"),
    "record.conflicts": (
        "{n} trường bị sửa đồng thời trên thiết bị khác",
        "{n:# field was|# fields were} also changed on another device",
    ),
    "record.children": ("{what}: {n}", "{what}: {n}"),
    "record.file_loading": ("(đang tải ảnh từ máy chủ…)", "(fetching the file from the server…)"),
    "record.file_elsewhere": (
        "(tệp ở máy chủ, chưa tải về máy này)",
        "(the file is on the server, not on this device)",
    ),
}
