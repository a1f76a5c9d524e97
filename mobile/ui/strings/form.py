"""Form screens (labels and choices come from the form definitions)."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "form.draft": ("Lưu nháp", "Save draft"),
    "form.finalize": ("Hoàn thành", "Finalize"),
    "form.prev": ("‹ Trang trước", "‹ Previous"),
    "form.next": ("Trang sau ›", "Next ›"),
    "form.page": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "form.today": ("Hôm nay", "Today"),
    "form.get_location": ("Lấy vị trí GPS", "Get GPS position"),
    "form.pick_file": ("Chọn tệp", "Choose a file"),
    "form.has_errors": (
        "Đã lưu nháp. Còn {n} trường cần sửa trước khi hoàn thành (tô đỏ).",
        "Saved as a draft. {n:# field needs|# fields need} fixing before it can be finalized "
        "(in red).",
    ),
    "form.not_saved": ("Chưa lưu được: {detail}", "Not saved: {detail}"),
    "form.disk": (
        "Chưa lưu được vì bộ nhớ máy đầy. Dữ liệu đã lưu trước đó vẫn còn.",
        "Not saved: the device storage is full. Everything saved before is kept.",
    ),
}
