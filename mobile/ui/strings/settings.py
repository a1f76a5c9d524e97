"""The settings screen and signing out."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "settings.title": ("Cài đặt", "Settings"),
    "settings.language": ("Ngôn ngữ", "Language"),
    "settings.server": ("Máy chủ", "Server"),
    "settings.server_hint": (
        "Để đổi máy chủ: đăng xuất rồi đăng nhập với địa chỉ mới.",
        "To change server: sign out, then sign in with the new address.",
    ),
    "settings.gps": ("Ngưỡng sai số GPS (m)", "GPS accuracy threshold (m)"),
    "settings.photo": ("Cạnh dài nhất của ảnh (điểm ảnh)", "Longest side of photos (pixels)"),
    "settings.save": ("Lưu cài đặt", "Save settings"),
    "settings.saved": ("Đã lưu.", "Saved."),
    "settings.bad": (
        "Giá trị không hợp lệ: ngưỡng GPS là số mét lớn hơn 0.",
        "Invalid value: the GPS threshold is a number of metres above 0.",
    ),
    "settings.logout": ("Đăng xuất", "Sign out"),
    "settings.logout_anyway": ("Vẫn đăng xuất", "Sign out anyway"),
    "settings.logout_q": ("Đăng xuất khỏi máy này?", "Sign out on this device?"),
    "settings.logout_unsent": (
        "Còn {what} trên máy này. Nên đồng bộ trước khi đăng xuất.",
        "This device holds {what}. Sync before signing out.",
    ),
    "settings.logout_q2": (
        "Chắc chắn đăng xuất? {what} vẫn được giữ trên máy này cho lần đăng nhập sau.",
        "Sign out for sure? This device keeps {what} for your next sign-in.",
    ),
    # what a sign-out leaves on the device, joined by ", "
    "settings.left.pending": (
        "{n} thay đổi chưa gửi",
        "{n:# unsent change|# unsent changes}",
    ),
    "settings.left.drafts": (
        "{n} bản nháp chưa hoàn thành",
        "{n:# unfinished draft|# unfinished drafts}",
    ),
    "settings.left.rejected": (
        "{n} thay đổi bị máy chủ từ chối",
        "{n:# change the server refused|# changes the server refused}",
    ),
}
