"""The pages' words about the 2025 reform (issue 19), merged into ``server/web/i18n.py``'s table:
Vietnamese first, English beside it, NFC."""

from __future__ import annotations

REFORM_TEXT: dict[str, tuple[str, str]] = {
    "reform_nav": ("Sắp xếp đơn vị 2025", "2025 unit reform"),
    "reform_title": ("Sắp xếp đơn vị 2025 — cần kiểm tra", "2025 unit reform — to check"),
    "reform_intro": (
        "Ngày 1/7/2025 cấp huyện kết thúc và các xã được sắp xếp lại. Các hồ sơ dưới đây được "
        "chuyển sang đơn vị mới theo một lựa chọn mặc định: hãy xác nhận, hoặc chuyển hồ sơ "
        "(cùng các mô hình, lượt thăm và minh chứng của nó) sang đơn vị đúng.",
        "On 1 July 2025 the district level ended and communes were merged. The records below went "
        "to a new unit by a default choice: confirm it, or move the record (with its models, "
        "visits and evidence) to the right unit.",
    ),
    "reform_open": ("{n} hồ sơ cần kiểm tra", "{n} records to check"),
    "reform_none": ("Không có hồ sơ nào cần kiểm tra.", "Nothing to check."),
    "before_2025": ("Trước 1/7/2025", "Before 1 July 2025"),
    "unit_before_2025": ("Đơn vị trước 1/7/2025", "Unit before 1 July 2025"),
    "unit_now": ("Đơn vị hiện nay", "Unit now"),
    "reform_record": ("Hồ sơ", "Record"),
    "reform_reasons": ("Lý do cần kiểm tra", "Why to check"),
    "reform_parts": ("Có thể chuyển đến", "May go to"),
    "reform_action": ("Kiểm tra", "Check"),
    "reform_save": ("Lưu", "Save"),
    "reform_keep": ("giữ nguyên", "keep"),
    "reform_checked_by": ("Đã kiểm tra: {who}, {when}", "Checked: {who}, {when}"),
    "reform_no_target": (
        "Không có đơn vị nào trong phạm vi của bạn để chuyển đến.",
        "No unit within your units to move it to.",
    ),
    "reason_split": ("Xã bị chia cho nhiều xã mới", "Commune split between new communes"),
    "reason_merged_earlier": ("Xã đã sáp nhập trước năm 2025", "Commune merged before 2025"),
    "reason_district_ended": (
        "Cấp huyện kết thúc: hồ sơ của huyện chuyển về xã mới của thị trấn huyện lỵ",
        "District level ended: the district's records went to its district town's new commune",
    ),
    "reason_assigned": ("Quản trị viên chỉ định", "Assigned by an administrator"),
    "reform_confirmed": ("Đã xác nhận đơn vị của hồ sơ.", "The record's unit is confirmed."),
    "reform_moved": (
        "Đã chuyển hồ sơ (cùng các hồ sơ đi kèm) sang đơn vị mới.",
        "The record (with the records that go with it) was moved to the new unit.",
    ),
    "reform_bad_part": (
        "Không thể chuyển hồ sơ đến đơn vị này: chỉ được chọn một trong các đơn vị mà đơn vị cũ "
        "đã trở thành, thuộc phạm vi của bạn.",
        "The record cannot go to this unit: pick one of the units its old unit became, within "
        "your units.",
    ),
    "reform_change": ("Sắp xếp đơn vị hành chính 2025", "2025 administrative unit reform"),
    "grouping": ("Cách nhóm", "Grouping"),
    "grouping_units": ("Theo đơn vị hiện nay", "By today's units"),
    "grouping_before_2025": ("Theo đơn vị trước 1/7/2025", "By units before 1 July 2025"),
    "old_communes": ("Theo xã cũ (trước 1/7/2025)", "By old commune (before 1 July 2025)"),
    "old_districts": ("Theo huyện cũ (trước 1/7/2025)", "By old district (before 1 July 2025)"),
    "after_2025": ("Ghi nhận sau 1/7/2025", "Recorded after 1 July 2025"),
}
