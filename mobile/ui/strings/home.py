"""The home screen."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "home.title": ("Trang chính", "Home"),
    "home.returned": ("Bản ghi bị trả lại", "Records returned to you"),
    "home.returned_item": (
        "{entity} “{title}”\nLý do: {reason}",
        "{entity} “{title}”\nReason: {reason}",
    ),
    "home.no_reason": ("(không ghi lý do)", "(no reason given)"),
    "home.units": ("Đơn vị của tôi", "My units"),
    "home.counts": ("Dữ liệu trên máy", "On this device"),
    "home.unsent": (
        "Chưa gửi: {pending} thay đổi, {drafts} bản nháp, {rejected} bị từ chối, {files} tệp",
        "Not sent: {pending:# change|# changes}, {drafts:# draft|# drafts}, {rejected} refused, "
        "{files:# file|# files}",
    ),
    "home.last_sync": ("Đồng bộ lần cuối: {when}", "Last sync: {when}"),
    "home.never": ("chưa lần nào", "never"),
    "home.models": ("Mô hình", "Models"),
    "home.areas": ("Khu dân cư", "Residential areas"),
    "home.initiatives": ("Sáng kiến", "Initiatives"),
    "home.activities": ("Hoạt động", "Activities"),
    "home.sync": ("Đồng bộ", "Sync"),
    "home.settings": ("Cài đặt", "Settings"),
}
