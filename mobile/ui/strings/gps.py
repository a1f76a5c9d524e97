"""The GPS screen: the fix, its accuracy, manual entry."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "gps.title": ("Vị trí GPS", "GPS position"),
    "gps.none": ("Chưa có vị trí", "No position yet"),
    "gps.searching": ("Đang tìm vị trí…", "Looking for a position…"),
    "gps.unavailable": (
        "Máy này không có GPS. Nhập tọa độ bằng tay bên dưới.",
        "No GPS on this device. Enter the coordinates below.",
    ),
    "gps.threshold": (
        "Tự nhận khi sai số ≤ {m} m (đổi trong Cài đặt)",
        "Taken automatically at ≤ {m} m accuracy (see Settings)",
    ),
    "gps.quality.good": ("Vị trí tốt", "Good position"),
    "gps.quality.acceptable": (
        "Vị trí dùng được, đang chờ chính xác hơn…",
        "Usable position, waiting for a better one…",
    ),
    "gps.quality.poor": ("Vị trí chưa chính xác", "Position not accurate yet"),
    "gps.use": ("Dùng vị trí này", "Use this position"),
    "gps.poor_q": (
        "Sai số lớn hơn ngưỡng cảnh báo. Vẫn dùng vị trí này?",
        "The accuracy is worse than the warning threshold. Use it anyway?",
    ),
    "gps.manual": ("Nhập tọa độ bằng tay", "Enter coordinates by hand"),
    "gps.manual_hint": (
        "Độ thập phân, dùng dấu chấm hoặc dấu phẩy.",
        "Decimal degrees, with a dot or a comma.",
    ),
    "gps.example": ("ví dụ {value}", "for example {value}"),
    "gps.lat": ("Vĩ độ (−90 đến 90)", "Latitude (−90 to 90)"),
    "gps.lon": ("Kinh độ (−180 đến 180)", "Longitude (−180 to 180)"),
    "gps.acc": ("Sai số (m), nếu biết", "Accuracy (m), if known"),
    "gps.use_manual": ("Dùng tọa độ đã nhập", "Use these coordinates"),
}
