"""Texts of every screen: the app's name, the online badge, dialogs, the kinds of record
and their states."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "app.name": ("Khảo sát “Đoàn kết sáng tạo”", "“Solidarity and Creativity” survey"),
    "badge.online": ("Trực tuyến", "Online"),
    "badge.offline": ("Ngoại tuyến", "Offline"),
    "badge.syncing": ("Đang đồng bộ…", "Syncing…"),
    "dialog.title": ("Xác nhận", "Please confirm"),
    "dialog.yes": ("Đồng ý", "Yes"),
    "dialog.no": ("Hủy", "Cancel"),
    "dialog.ok": ("Đã hiểu", "OK"),
    "error.unexpected": (
        "Đã có lỗi ngoài dự kiến; dữ liệu đã lưu vẫn còn. Hãy thử lại.",
        "Something unexpected went wrong; everything saved is kept. Try again.",
    ),
    "entity.residential_area": ("Khu dân cư", "Residential area"),
    "entity.model": ("Mô hình", "Model"),
    "entity.visit": ("Lượt khảo sát", "Visit"),
    "entity.evidence": ("Minh chứng", "Evidence"),
    "entity.initiative": ("Sáng kiến", "Initiative"),
    "entity.activity": ("Hoạt động", "Activity"),
    "entity.plural.residential_area": ("Khu dân cư", "Residential areas"),
    "entity.plural.model": ("Mô hình", "Models"),
    "entity.plural.visit": ("Lượt khảo sát", "Visits"),
    "entity.plural.evidence": ("Minh chứng", "Evidence"),
    "entity.plural.initiative": ("Sáng kiến", "Initiatives"),
    "entity.plural.activity": ("Hoạt động", "Activities"),
    "status.draft": ("Bản nháp", "Draft"),
    "status.pending": ("Chờ gửi", "Waiting to send"),
    "status.rejected": ("Bị máy chủ từ chối", "Refused by the server"),
    "status.synced": ("Đã đồng bộ", "Synced"),
    "status.deleted": ("Đã xóa", "Deleted"),
}
