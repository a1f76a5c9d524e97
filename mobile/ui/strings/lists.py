"""Lists of records: search, filters, the add button of each kind."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "list.search": ("Tìm (gõ có dấu hoặc không dấu)", "Search (with or without accents)"),
    "list.all": ("Tất cả", "All"),
    "list.count": ("{n} kết quả", "{n:# result|# results}"),
    "list.untitled": ("(chưa có tên)", "(no name yet)"),
    "list.add.model": ("+ Thêm mô hình", "+ New model"),
    "list.add.residential_area": ("+ Thêm khu dân cư", "+ New residential area"),
    "list.add.initiative": ("+ Thêm sáng kiến", "+ New initiative"),
    "list.add.activity": ("+ Thêm hoạt động", "+ New activity"),
    "filter.content_area": ("Nội dung", "Content"),
    "filter.status": ("Tình trạng", "Status"),
    "filter.residential_area": ("Khu dân cư", "Area"),
    "filter.review_state": ("Duyệt", "Review"),
    "filter.field": ("Lĩnh vực", "Field"),
    "filter.kind": ("Loại", "Kind"),
}
