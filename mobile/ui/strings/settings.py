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
        "Còn {n} thay đổi chưa gửi lên máy chủ. Nên đồng bộ trước khi đăng xuất.",
        "{n} changes have not been sent yet. Sync before signing out.",
    ),
    "settings.logout_q2": (
        "Chắc chắn đăng xuất? {n} thay đổi chưa gửi vẫn được giữ trên máy và sẽ gửi khi bạn đăng nhập lại.",
        "Sign out for sure? The {n} unsent changes stay on this device and are sent when you sign in again.",
    ),
}
