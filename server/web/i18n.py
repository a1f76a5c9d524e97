"""The pages' one translation table: Vietnamese first, English beside it.

Field and choice labels come from the forms (``shared_schema``), not from here; this table holds
the pages' own words. Every string is NFC (checked by the tests).
"""

from __future__ import annotations

from server.web.i18n_reform import REFORM_TEXT
from shared_schema.limits import MIN_PASSWORD_LENGTH

LANGS = ("vi", "en")

TEXT: dict[str, tuple[str, str]] = {
    **REFORM_TEXT,
    "app": ("DKST — Đoàn kết sáng tạo", "DKST — Solidarity and creativity"),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "login_failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "login_limited": (
        "Quá nhiều lần thử. Vui lòng thử lại sau.",
        "Too many attempts. Please try again later.",
    ),
    "login_disabled": ("Tài khoản đã bị khóa.", "This account is disabled."),
    "login_device_revoked": (
        "Phiên làm việc trên web của tài khoản này đã bị thu hồi.",
        "Web sessions of this account have been revoked.",
    ),
    "session_expired": (
        "Phiên làm việc đã hết hạn. Đăng nhập lại để tiếp tục; nội dung biểu mẫu được giữ nguyên.",
        "Your session has expired. Log in again to go on; the form you were filling is kept.",
    ),
    "resubmit": ("Gửi tiếp biểu mẫu", "Send the form again"),
    "resubmit_note": (
        "Đang gửi lại biểu mẫu bạn đã điền trước khi phiên hết hạn…",
        "Sending the form you filled before the session expired…",
    ),
    "repost_confirm_title": ("Gửi biểu mẫu này?", "Send this form?"),
    "repost_confirm_note": (
        "Một biểu mẫu đã được gửi tới trang này khi bạn chưa đăng nhập. Có thể nó không phải của "
        "bạn (một trang web khác có thể gửi thay bạn). Chỉ gửi nếu đúng là bạn đã điền nó.",
        "A form was sent to this page while you were not logged in. It may not be yours (another "
        "web site can send one in your name). Send it only if you filled it in yourself.",
    ),
    "repost_send": ("Đúng, tôi đã điền — gửi đi", "Yes, I filled it in — send it"),
    "repost_discard": ("Không gửi", "Do not send"),
    "action": ("Thao tác", "Action"),
    "revoke_user": ("Khóa tài khoản", "Disable the account"),
    "revoke_device": ("Thu hồi thiết bị", "Revoke the device"),
    "resolve_conflict": ("Giải quyết xung đột", "Resolve a conflict"),
    "unknown_action": ("Thao tác khác", "Another action"),
    "choice": ("Lựa chọn", "Choice"),
    "queues": ("Hàng chờ duyệt", "Review queues"),
    "queue_pending": ("Chờ duyệt", "Waiting for review"),
    "queue_resubmitted": ("Đã sửa, chờ duyệt lại", "Corrected, to review again"),
    "queue_returned": ("Đã trả lại", "Returned"),
    "queue_conflicts": ("Có xung đột", "With conflicts"),
    "queue_left": ("còn {n} hồ sơ trong hàng chờ", "{n} records left in the queue"),
    "queue_skip": ("Bỏ qua, xem hồ sơ sau →", "Skip to the next record →"),
    "queue_keys": (
        "Phím tắt: A duyệt · R ghi lý do rồi trả lại · N bỏ qua",
        "Keys: A approve · R write a reason and return · N skip",
    ),
    "queue_empty": ("Hàng chờ đã hết.", "The queue is empty."),
    "total_records": ("{n} hồ sơ", "{n} records"),
    "has_conflict": ("Xung đột", "Conflict"),
    "dashboard": ("Tổng quan", "Dashboard"),
    "records": ("Hồ sơ", "Records"),
    "map": ("Bản đồ", "Map"),
    "plans": ("Kế hoạch", "Plans"),
    "admin": ("Quản trị", "Administration"),
    "users": ("Người dùng", "Users"),
    "devices": ("Thiết bị", "Devices"),
    "unit": ("Đơn vị", "Unit"),
    "plan": ("Kế hoạch", "Plan"),
    "no_plan": ("(không theo kế hoạch)", "(no plan)"),
    "all": ("Tất cả", "All"),
    "apply": ("Lọc", "Filter"),
    "totals": ("Tổng cộng", "Totals"),
    "own": ("Của đơn vị", "The unit's own"),
    "models": ("Mô hình", "Models"),
    "content_area": ("Nội dung", "Content area"),
    "status": ("Tình trạng", "Status"),
    "organization": ("Tổ chức", "Organization"),
    "participants": ("Người tham gia", "Participants"),
    "households": ("Hộ tham gia", "Households"),
    "visits": ("Lượt khảo sát", "Visits"),
    "evidence": ("Minh chứng", "Evidence"),
    "evidence_missing": ("Thiếu tệp", "Files missing"),
    "initiatives": ("Sáng kiến", "Initiatives"),
    "report_status": ("Báo cáo", "Report"),
    "on_time": ("Đúng hạn", "On time"),
    "late": ("Trễ hạn", "Late"),
    "missing": ("Chưa nộp", "Missing"),
    "chart_content": ("Mô hình theo nội dung", "Models by content area"),
    "chart_status": ("Mô hình theo tình trạng", "Models by status"),
    "chart_org": ("Mô hình theo tổ chức", "Models by organization"),
    "by_campaign": ("Mô hình theo cuộc vận động", "Models by campaign"),
    # Issue 20: the figures of form set v2 and the three the summary left out.
    "by_recommendation": ("Mô hình theo đề xuất", "Models by recommendation"),
    "productivity_models": ("Mô hình có năng suất tăng thêm", "Models with a productivity gain"),
    "productivity_average": (
        "Năng suất tăng thêm bình quân (%)",
        "Average productivity gain (%)",
    ),
    "models_with_results": ("Mô hình có nêu kết quả", "Models stating their results"),
    "models_with_shortcomings": ("Mô hình có nêu tồn tại, hạn chế", "Models stating shortcomings"),
    "activities_with_results": ("Hoạt động có nêu kết quả", "Activities stating their results"),
    "activities_with_shortcomings": (
        "Hoạt động có nêu tồn tại, hạn chế",
        "Activities stating shortcomings",
    ),
    "initiatives_applied": ("Sáng kiến đã áp dụng", "Initiatives applied"),
    "applied_by_year": ("Sáng kiến áp dụng theo năm", "Initiatives applied by year"),
    "model_groups": ("Thành phần tham gia mô hình", "Who takes part in the models"),
    "activity_groups": ("Thành phần tham gia hoạt động", "Who takes part in the activities"),
    "evidence_by_parent": ("Minh chứng theo đối tượng", "Evidence by what it documents"),
    "visit_scores": ("Điểm khảo sát bình quân (1–5)", "Visits' average scores (1–5)"),
    "movement_figures": ("Số liệu phong trào", "The movement's figures"),
    "parent_plan": ("Thực hiện kế hoạch cấp trên", "Carries out the higher plan"),
    "no_parent_plan": ("— Không —", "— None —"),
    "carries_out": ("Thực hiện Kế hoạch số", "Carries out plan"),
    "plan_document": ("Tài liệu đính kèm", "Attached document"),
    "err_parent_plan": (
        "Kế hoạch cấp trên phải do đơn vị này hoặc cấp trên ban hành.",
        "The higher plan must be issued by this unit or one above it.",
    ),
    "err_document": (
        "Tài liệu đính kèm phải là tệp PDF, không quá 25 MB.",
        "The attached document must be a PDF of at most 25 MB.",
    ),
    "report_kind": ("Loại báo cáo", "Kind of report"),
    "kind_interim": ("Sơ kết", "Interim review"),
    "kind_final": ("Tổng kết", "Final review"),
    "kind_thematic": ("Chuyên đề", "Thematic"),
    "organization_reports": (
        "Báo cáo của các tổ chức thành viên",
        "Reports of the member organizations",
    ),
    "submit_organization_report": ("Nộp báo cáo của tổ chức", "Submit the organization's report"),
    "activities": ("Hoạt động theo loại", "Activities by kind"),
    "chart_trend": ("Theo tháng (ngày của hồ sơ)", "By month (the records' own dates)"),
    "activities_held": ("Hoạt động", "Activities"),
    "entity": ("Loại hồ sơ", "Entity"),
    "review_state": ("Duyệt", "Review"),
    "date_from": ("Từ ngày", "From"),
    "date_to": ("Đến ngày", "To"),
    "search": ("Tìm (không cần dấu)", "Search (accents optional)"),
    "name": ("Tên", "Name"),
    "updated_at": ("Cập nhật", "Updated"),
    "next_page": ("Trang sau →", "Next page →"),
    "partial_scan": (
        "Đã xem một phần hồ sơ; bấm “Trang sau” để tìm tiếp.",
        "Part of the records was searched; press “Next page” to search on.",
    ),
    "first_page": ("← Trang đầu", "← First page"),
    "no_records": ("Không có hồ sơ nào.", "No records."),
    "downloads": ("Tải về", "Downloads"),
    "fields": ("Thông tin", "Fields"),
    "history": ("Lịch sử thay đổi", "History"),
    "who": ("Người", "Who"),
    "device": ("Thiết bị", "Device"),
    "when": ("Thời điểm", "When"),
    "what": ("Nội dung thay đổi", "What changed"),
    "deleted": ("Đã xóa", "Deleted"),
    "conflicts": ("Xung đột", "Conflicts"),
    "field": ("Trường", "Field"),
    "kept_value": ("Giá trị đang giữ", "Kept value"),
    "losing_value": ("Giá trị bị ghi đè", "Overwritten value"),
    "keep": ("Giữ giá trị này", "Keep this value"),
    "use_other": ("Dùng giá trị bị ghi đè", "Use the overwritten value"),
    "edit_value": ("Sửa thành", "Edit to"),
    "save": ("Lưu", "Save"),
    "review": ("Duyệt hồ sơ", "Review"),
    "approve": ("Duyệt", "Approve"),
    "return": ("Trả lại", "Return"),
    "reason": ("Lý do", "Reason"),
    "reason_required": ("Cần ghi lý do trả lại.", "A reason is needed to return a record."),
    "review_done": (
        "Đã ghi quyết định; cán bộ sẽ nhận được ở lần đồng bộ tới.",
        "Decision saved; the officer receives it on the next sync.",
    ),
    "resolved": ("Đã giải quyết xung đột.", "Conflict resolved."),
    "push_rejected": ("Không lưu được: ", "Not saved: "),
    "photos": ("Ảnh minh chứng", "Evidence photos"),
    "no_file": ("Tệp chưa được tải lên", "File not uploaded yet"),
    "not_found": ("Không tìm thấy trang này.", "This page does not exist."),
    "forbidden": ("Bạn không có quyền làm việc này.", "You may not do this."),
    "csrf": (
        "Biểu mẫu không hợp lệ hoặc đã cũ. Vui lòng tải lại trang.",
        "The form is invalid or stale. Please reload the page.",
    ),
    "bad_request": ("Yêu cầu không hợp lệ.", "Invalid request."),
    "back": ("Quay lại", "Back"),
    "no_location": (
        "Chưa có mô hình nào có tọa độ.",
        "No model has a location yet.",
    ),
    "models_on_map": ("mô hình có tọa độ", "models with a location"),
    "map_offline": (
        "Không có nền bản đồ (chế độ ngoại tuyến): chỉ hiển thị các điểm.",
        "No map tiles (offline mode): the points only.",
    ),
    "role": ("Vai trò", "Role"),
    "units": ("Đơn vị", "Units"),
    "active": ("Đang hoạt động", "Active"),
    "disabled": ("Đã khóa", "Disabled"),
    "add_user": ("Thêm người dùng", "Add a user"),
    "add": ("Thêm", "Add"),
    "reset_password": ("Đặt lại mật khẩu", "Reset password"),
    "new_password": ("Mật khẩu mới", "New password"),
    "revoke": ("Thu hồi", "Revoke"),
    "revoked": ("Đã thu hồi", "Revoked"),
    "qr": ("Mã QR cài đặt", "Set-up QR code"),
    "qr_note": (
        "Ứng dụng hiện trường quét mã này để điền sẵn địa chỉ máy chủ, tên đăng nhập và ngôn ngữ. "
        "Mã không chứa mật khẩu.",
        "The field app scans this code to fill in the server address, username and language. "
        "It holds no password.",
    ),
    "language": ("Ngôn ngữ", "Language"),
    "server": ("Địa chỉ máy chủ", "Server address"),
    "last_seen": ("Lần cuối", "Last seen"),
    "done": ("Đã lưu.", "Saved."),
    "actions": ("Thao tác", "Actions"),
    "number": ("Số kế hoạch", "Number"),
    "title": ("Tiêu đề", "Title"),
    "title_en": ("Tiêu đề (tiếng Anh)", "Title (English)"),
    "issued_on": ("Ngày ban hành", "Issued on"),
    "period": ("Thời kỳ", "Period"),
    "period_from": ("Từ ngày", "Period from"),
    "period_to": ("Đến ngày", "Period to"),
    "deadline": ("Hạn báo cáo", "Report deadline"),
    "new_plan": ("Tạo kế hoạch", "New plan"),
    "create": ("Tạo", "Create"),
    "no_plans": ("Chưa có kế hoạch nào.", "No plans yet."),
    "report": ("Báo cáo", "Report"),
    "reports": ("Báo cáo của các xã", "Communes' reports"),
    "submit_report": ("Nộp báo cáo", "Submit the report"),
    "comment": ("Ý kiến", "Comment"),
    "submitted_at": ("Nộp lúc", "Submitted at"),
    "submitted_by": ("Người nộp", "Submitted by"),
    "versions": ("Số lần nộp", "Versions"),
    "version": ("Lần nộp", "Version"),
    "figures": ("Số liệu", "Figures"),
    "print": ("In", "Print"),
    "open": ("Xem", "Open"),
    "report_submitted": ("Đã nộp báo cáo.", "Report submitted."),
    "err_number": ("Cần nhập số kế hoạch.", "The plan number is required."),
    "err_title": ("Cần nhập tiêu đề.", "A title is required."),
    "err_deadline": (
        "Hạn báo cáo không được trước ngày bắt đầu thời kỳ.",
        "The deadline cannot be before the period starts.",
    ),
    "err_period": (
        "Ngày bắt đầu phải trước ngày kết thúc.",
        "The period must start before it ends.",
    ),
    "err_date": ("Ngày không hợp lệ.", "Invalid date."),
    "err_unit": ("Đơn vị không hợp lệ.", "Invalid unit."),
    "err_exists": (
        "Đơn vị đã dùng số kế hoạch này.",
        "This unit has used this plan number already.",
    ),
    "err_field": ("Giá trị không hợp lệ.", "Invalid value."),
    "err_password_too_short": (
        f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
        f"The password needs at least {MIN_PASSWORD_LENGTH} characters.",
    ),
    "err_invalid_username": (
        "Tên đăng nhập chỉ gồm chữ không dấu, chữ số và _ . @ - (tối đa 64 ký tự).",
        "A username holds letters without accents, digits and _ . @ - (64 at most).",
    ),
    "err_unknown_role": ("Vai trò không hợp lệ.", "Unknown role."),
    "err_no_unit": ("Cần chọn đơn vị.", "A unit is required."),
    "err_unknown_unit": ("Đơn vị không tồn tại.", "No such unit."),
    "err_user_exists": ("Tên đăng nhập này đã có.", "This username is taken."),
    "err_role_not_grantable": (
        "Bạn không thể cấp vai trò này cho đơn vị này.",
        "You may not give this role on this unit.",
    ),
    "err_unit_out_of_scope": (
        "Đơn vị này không thuộc phạm vi của bạn.",
        "This unit is not within your units.",
    ),
    "not_manageable": (
        "Bạn không thể thao tác trên tài khoản có vai trò ngang hoặc cao hơn mình.",
        "You may not act on an account of your own role or above.",
    ),
    "qr_loopback": (
        "Địa chỉ trong mã là địa chỉ nội bộ của máy chủ: điện thoại sẽ không kết nối được. "
        "Chạy máy chủ bằng ./dev run --lan, hoặc đặt DKST_PUBLIC_URL là địa chỉ điện thoại truy cập được.",
        "The code holds the server's loopback address: a phone cannot reach it. Run the server "
        "with ./dev run --lan, or set DKST_PUBLIC_URL to an address phones reach.",
    ),
    "no_public_url": (
        "Chưa cấu hình địa chỉ máy chủ (DKST_PUBLIC_URL) nên chưa tạo được mã QR.",
        "The server's public address (DKST_PUBLIC_URL) is not set, so no QR code can be made.",
    ),
}


def tr(key: str, lang: str) -> str:
    """The page text ``key`` in ``lang``; the key itself when the table has none (a bug shows)."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def _merge_page_tables() -> None:
    from server.web.i18n_forms import FORMS_TEXT

    clash = TEXT.keys() & FORMS_TEXT.keys()
    if clash:
        raise RuntimeError(f"page texts defined twice: {sorted(clash)}")
    TEXT.update(FORMS_TEXT)


_merge_page_tables()
