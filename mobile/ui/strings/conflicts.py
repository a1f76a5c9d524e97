"""The conflicts screen."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "conflict.title": ("Xung đột", "Conflicts"),
    "conflict.intro": (
        "“{title}”: máy chủ đã giữ một giá trị khác cho các trường dưới đây.",
        "“{title}”: the server kept another value for the fields below.",
    ),
    "conflict.mine": ("Giá trị máy này gửi", "What this device sent"),
    "conflict.current": ("Giá trị hiện tại", "Current value"),
}
