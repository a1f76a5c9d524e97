"""The conflicts screen."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "conflict.title": ("Xung đột", "Conflicts"),
    "conflict.intro": (
        "“{title}”: trường dưới đây đã được sửa cả trên máy này và trên một thiết bị khác. "
        "Chọn giá trị cần giữ.",
        "“{title}”: the field below was changed on this device and on another one. "
        "Choose the value to keep.",
    ),
    "conflict.intro_all": (
        "Các trường dưới đây đã được sửa cả trên máy này và trên một thiết bị khác. "
        "Chọn giá trị cần giữ cho từng trường.",
        "The fields below were changed on this device and on another one. "
        "Choose the value to keep for each.",
    ),
    "conflict.mine": ("Máy này gửi", "Sent from this device"),
    "conflict.other": ("Thiết bị khác", "From the other device"),
    "conflict.kept": ("Máy chủ đang giữ", "Kept on the server"),
    "conflict.lost": ("Đã bị ghi đè", "Overwritten"),
    "conflict.unknown": (
        "(máy này không có giá trị đó: xem trên trang quản lý)",
        "(not on this device: see the staff pages)",
    ),
    # the button under each value: the one the server holds is kept, the other one used again
    "conflict.keep": ("Giữ giá trị này", "Keep this value"),
    "conflict.use": ("Dùng giá trị này", "Use this value"),
    "conflict.saved": (
        "Đã chọn {name}: {value}. Lựa chọn được gửi lên máy chủ ở lần đồng bộ sau.",
        "Chosen {name}: {value}. The choice goes to the server at the next sync.",
    ),
    "conflict.none": ("Không còn xung đột nào.", "No conflicts left."),
}
