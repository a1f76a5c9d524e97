"""Every string the app shows: Vietnamese first, English second, one table, NFC.

Screens ask ``App.t(key, app.lang, **values)``; the form labels and choice labels come from the
form definitions (both languages), the server's error codes from ``shared_schema.errors``, review
states from ``shared_schema.display``, and the device core's refusals from the ``error.<code>``
entries here (:func:`device_error_text`). No exception's own text reaches the officer.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from mobile.core.errors import DeviceError
from shared_schema.errors import error_message

__all__ = [
    "LANGS",
    "STRINGS",
    "device_error_text",
    "error_text",
    "issue_text",
    "local_time",
    "tr",
]

LANGS = ("vi", "en")

# key -> (Vietnamese, English). Placeholders are str.format names.
_TABLE: dict[str, tuple[str, str]] = {
    "app.name": ("Khảo sát “Đoàn kết sáng tạo”", "“Solidarity and Creativity” survey"),
    "badge.online": ("Trực tuyến", "Online"),
    "badge.offline": ("Ngoại tuyến", "Offline"),
    "badge.syncing": ("Đang đồng bộ…", "Syncing…"),
    "dialog.title": ("Xác nhận", "Please confirm"),
    "dialog.yes": ("Đồng ý", "Yes"),
    "dialog.no": ("Hủy", "Cancel"),
    "dialog.ok": ("Đã hiểu", "OK"),
    "error.unexpected": (
        "Đã có lỗi ngoài dự kiến; dữ liệu đã lưu vẫn còn. Hãy thử lại.",
        "Something unexpected went wrong; everything saved is kept. Try again.",
    ),
    # the device core's refusals (mobile/core/errors.py), by code
    "error.unknown_entity": (
        "Loại bản ghi không tồn tại: {entity}",
        "Unknown kind of record: {entity}",
    ),
    "error.form_entity_mismatch": (
        "Biểu mẫu {form_id} không dành cho loại bản ghi này.",
        "Form {form_id} is not for this kind of record.",
    ),
    "error.unknown_form": (
        "Máy này chưa có biểu mẫu {form_id} phiên bản {version}. Hãy đồng bộ rồi thử lại.",
        "This device does not have form {form_id} version {version}. Sync, then try again.",
    ),
    "error.no_form": (
        "Máy này chưa có biểu mẫu cho loại bản ghi này. Hãy đồng bộ rồi thử lại.",
        "This device has no form for this kind of record. Sync, then try again.",
    ),
    "error.record_not_found": (
        "Không tìm thấy bản ghi trên máy này.",
        "The record is not on this device.",
    ),
    "error.record_deleted": ("Bản ghi đã bị xóa.", "The record has been deleted."),
    "error.unit_required": (
        "Cần chọn đơn vị: tài khoản này làm việc ở nhiều đơn vị.",
        "Choose a unit: this account works in several units.",
    ),
    "error.unit_immutable": (
        "Không được đổi đơn vị của bản ghi.",
        "A record's unit cannot change.",
    ),
    "error.not_a_field_name": ("Tên trường không hợp lệ: {name}", "Not a field name: {name}"),
    "error.unknown_setting": ("Không có cài đặt: {names}", "Unknown settings: {names}"),
    "error.setting_out_of_range": (
        "Giá trị không hợp lệ: phải từ {low} đến {high}.",
        "Invalid value: it must be {low} to {high}.",
    ),
    "error.setting_too_small": (
        "Giá trị không hợp lệ: phải ít nhất là {low}.",
        "Invalid value: it must be at least {low}.",
    ),
    "error.gps_thresholds": (
        "Giá trị không hợp lệ: ngưỡng GPS là số mét lớn hơn 0.",
        "Invalid value: the GPS threshold is a number of metres above 0.",
    ),
    "error.invalid_device_id": ("Mã thiết bị không hợp lệ.", "Invalid device id."),
    "error.bad_answer": (
        "Máy chủ trả lời không đúng định dạng. Dữ liệu vẫn ở trên máy; hãy thử lại sau.",
        "The server's answer could not be used. Your data stays on this device; try again later.",
    ),
    # login
    "login.title": ("Đăng nhập", "Sign in"),
    "login.intro": (
        "Nhập địa chỉ máy chủ, tên đăng nhập và mật khẩu do Ủy ban MTTQ cấp.",
        "Enter the server address, username and password the Front committee gave you.",
    ),
    "login.expired": (
        "Phiên đăng nhập đã hết hạn. Nhập lại mật khẩu; các thay đổi chưa gửi vẫn được giữ.",
        "Your session has expired. Enter your password again; unsent changes are kept.",
    ),
    "login.server": ("Địa chỉ máy chủ", "Server address"),
    "login.username": ("Tên đăng nhập", "Username"),
    "login.password": ("Mật khẩu", "Password"),
    "login.submit": ("Đăng nhập", "Sign in"),
    "login.missing": (
        "Cần nhập đủ địa chỉ máy chủ, tên đăng nhập và mật khẩu.",
        "Enter the server address, username and password.",
    ),
    "login.qr": ("Đọc mã QR cài đặt", "Read a set-up QR code"),
    "login.qr_pick": ("Chọn ảnh có mã QR", "Choose a picture of the QR code"),
    "login.qr_ok": (
        "Đã điền máy chủ và tên đăng nhập từ mã QR. Nhập mật khẩu.",
        "Server and username filled in from the code. Enter your password.",
    ),
    "login.qr_bad": (
        "Không tìm thấy mã QR cài đặt DKST trong ảnh này.",
        "No DKST set-up code in this picture.",
    ),
    "login.connecting": ("Đang kết nối máy chủ…", "Connecting to the server…"),
    "login.unreachable": (
        "Không kết nối được máy chủ. Kiểm tra địa chỉ và mạng rồi thử lại.",
        "Cannot reach the server. Check the address and the network, then try again.",
    ),
    # home
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
        "Not sent: {pending} changes, {drafts} drafts, {rejected} refused, {files} files",
    ),
    "home.last_sync": ("Đồng bộ lần cuối: {when}", "Last sync: {when}"),
    "home.never": ("chưa lần nào", "never"),
    "home.models": ("Mô hình", "Models"),
    "home.areas": ("Khu dân cư", "Residential areas"),
    "home.sync": ("Đồng bộ", "Sync"),
    "home.settings": ("Cài đặt", "Settings"),
    # roles, entities, states
    "role.field_officer": ("Cán bộ Mặt trận", "Field officer"),
    "role.commune_staff": ("Ủy ban MTTQ xã", "Commune staff"),
    "role.district_staff": ("Ủy ban MTTQ huyện", "District staff"),
    "role.admin": ("Quản trị", "Administrator"),
    "role.": ("", ""),
    "entity.residential_area": ("Khu dân cư", "Residential area"),
    "entity.model": ("Mô hình", "Model"),
    "entity.visit": ("Lượt khảo sát", "Visit"),
    "entity.evidence": ("Minh chứng", "Evidence"),
    "entity.initiative": ("Sáng kiến", "Initiative"),
    "entity.activity": ("Hoạt động", "Activity"),
    "entity.plural.residential_area": ("Khu dân cư", "Residential areas"),
    "entity.plural.model": ("Mô hình", "Models"),
    "entity.plural.visit": ("Lượt khảo sát", "Visits"),
    "entity.plural.evidence": ("Minh chứng", "Evidence"),
    "entity.plural.initiative": ("Sáng kiến", "Initiatives"),
    "entity.plural.activity": ("Hoạt động", "Activities"),
    "status.draft": ("Bản nháp", "Draft"),
    "status.pending": ("Chờ gửi", "Waiting to send"),
    "status.rejected": ("Bị máy chủ từ chối", "Refused by the server"),
    "status.synced": ("Đã đồng bộ", "Synced"),
    "status.deleted": ("Đã xóa", "Deleted"),
    # lists
    "list.search": ("Tìm (gõ có dấu hoặc không dấu)", "Search (with or without accents)"),
    "list.all": ("Tất cả", "All"),
    "list.count": ("{n} kết quả", "{n} results"),
    "list.untitled": ("(chưa có tên)", "(no name yet)"),
    "list.add.model": ("+ Thêm mô hình", "+ New model"),
    "list.add.residential_area": ("+ Thêm khu dân cư", "+ New residential area"),
    "filter.content_area": ("Nội dung", "Content"),
    "filter.status": ("Tình trạng", "Status"),
    "filter.residential_area": ("Khu dân cư", "Area"),
    "filter.review_state": ("Duyệt", "Review"),
    # one record
    "record.edit": ("Sửa", "Edit"),
    "record.delete": ("Xóa", "Delete"),
    "record.delete_q": (
        "Xóa “{title}”? Việc xóa được gửi lên máy chủ ở lần đồng bộ sau.",
        "Delete “{title}”? The deletion is sent to the server at the next sync.",
    ),
    "record.discard": ("Bỏ thay đổi bị từ chối", "Drop refused changes"),
    "record.discard_q": (
        "Bỏ các thay đổi bị máy chủ từ chối và giữ bản trên máy chủ?",
        "Drop the changes the server refused and keep the server's version?",
    ),
    "record.add_visit": ("+ Lượt khảo sát", "+ Visit"),
    "record.add_photo": ("+ Ảnh minh chứng", "+ Photo"),
    "record.see_conflicts": ("Xem xung đột", "See conflicts"),
    "record.returned": ("Bị trả lại. Lý do: {reason}", "Returned. Reason: {reason}"),
    "record.rejected": ("Máy chủ từ chối: {reason}", "Refused by the server: {reason}"),
    "record.conflicts": (
        "{n} trường bị sửa đồng thời trên thiết bị khác",
        "{n} fields were also changed on another device",
    ),
    "record.children": ("{what}: {n}", "{what}: {n}"),
    "record.file_loading": ("(đang tải ảnh từ máy chủ…)", "(fetching the file from the server…)"),
    "record.file_elsewhere": (
        "(tệp ở máy chủ, chưa tải về máy này)",
        "(the file is on the server, not on this device)",
    ),
    # form
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
        "Saved as a draft. {n} fields need fixing before it can be finalized (in red).",
    ),
    "form.not_saved": ("Chưa lưu được: {detail}", "Not saved: {detail}"),
    "form.disk": (
        "Chưa lưu được vì bộ nhớ máy đầy. Dữ liệu đã lưu trước đó vẫn còn.",
        "Not saved: the device storage is full. Everything saved before is kept.",
    ),
    # photo
    "photo.title": ("Ảnh minh chứng", "Evidence photo"),
    "photo.take": ("Chụp ảnh", "Take a photo"),
    "photo.choose": (
        "Chọn tệp ảnh (JPEG, PNG, WebP) hoặc PDF:",
        "Choose a photo (JPEG, PNG, WebP) or a PDF:",
    ),
    "photo.chosen": ("Tệp: {name}", "File: {name}"),
    "photo.caption": ("Chú thích ảnh", "Caption"),
    "photo.save": ("Lưu minh chứng", "Save evidence"),
    "photo.none": ("Chưa chọn ảnh.", "No photo chosen."),
    "photo.working": ("Đang xử lý ảnh…", "Processing the photo…"),
    "photo.unsupported": (
        "Tệp này không phải ảnh JPEG, PNG, WebP hay PDF hợp lệ, hoặc quá lớn sau khi thu nhỏ (tối đa 25 MB).",
        "This file is not a valid JPEG, PNG, WebP or PDF, or is still over 25 MB after resizing.",
    ),
    "photo.unreadable": ("Không đọc được tệp này.", "Cannot read this file."),
    "photo.where": (
        "Ảnh minh chứng gắn với một mô hình hoặc một lượt khảo sát.",
        "Evidence photos belong to a model or a visit.",
    ),
    # gps
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
    "gps.manual_hint": ("Ví dụ: 12.695, 107.774", "For example: 12.695, 107.774"),
    "gps.lat": ("Vĩ độ (−90 đến 90)", "Latitude (−90 to 90)"),
    "gps.lon": ("Kinh độ (−180 đến 180)", "Longitude (−180 to 180)"),
    "gps.acc": ("Sai số (m), nếu biết", "Accuracy (m), if known"),
    "gps.use_manual": ("Dùng tọa độ đã nhập", "Use these coordinates"),
    "gps.manual_bad": (
        "Tọa độ không hợp lệ: vĩ độ từ −90 đến 90, kinh độ từ −180 đến 180.",
        "Invalid coordinates: latitude −90 to 90, longitude −180 to 180.",
    ),
    # sync
    "sync.title": ("Đồng bộ", "Sync"),
    "sync.ready": ("{n} thay đổi chờ gửi.", "{n} changes waiting to be sent."),
    "sync.start": ("Đồng bộ ngay", "Sync now"),
    "sync.cancel": ("Dừng", "Stop"),
    "sync.checking": ("Đang kiểm tra kết nối…", "Checking the connection…"),
    "sync.pushing": ("Đang gửi thay đổi: {done}/{total}", "Sending changes: {done}/{total}"),
    "sync.pulling": ("Đang nhận dữ liệu: {done} bản ghi", "Receiving: {done} records"),
    "sync.uploading": ("Đang tải tệp lên: {done}/{total} KB", "Uploading files: {done}/{total} KB"),
    "sync.done": ("Đồng bộ xong.", "Sync finished."),
    "sync.summary": (
        "Đã gửi {pushed}: {applied} được nhận, {conflicts} xung đột, {rejected} bị từ chối.\n"
        "Đã nhận {pulled} bản ghi. Đã tải lên {files} tệp.",
        "Sent {pushed}: {applied} applied, {conflicts} conflicts, {rejected} refused.\n"
        "Received {pulled} records. Uploaded {files} files.",
    ),
    "sync.files_failed": ("{n} tệp bị máy chủ từ chối.", "{n} files were refused by the server."),
    "sync.cancelling": ("Đang dừng…", "Stopping…"),
    "sync.cancelled": (
        "Đã dừng. Không mất dữ liệu; lần sau sẽ gửi tiếp.",
        "Stopped. Nothing is lost; the next sync carries on.",
    ),
    "sync.offline": (
        "Không kết nối được máy chủ. Dữ liệu vẫn ở trên máy; ứng dụng sẽ tự thử lại.",
        "Cannot reach the server. Your data stays on this device; the app retries by itself.",
    ),
    "sync.login": (
        "Phiên đăng nhập đã hết hạn: nhập lại mật khẩu.",
        "Your session has expired: enter your password again.",
    ),
    "sync.rejected": ("Thay đổi bị từ chối (chạm để sửa)", "Refused changes (tap to fix)"),
    "sync.rejected_item": ("“{title}”: {reason}", "“{title}”: {reason}"),
    # conflicts
    "conflict.title": ("Xung đột", "Conflicts"),
    "conflict.intro": (
        "“{title}”: máy chủ đã giữ một giá trị khác cho các trường dưới đây.",
        "“{title}”: the server kept another value for the fields below.",
    ),
    "conflict.mine": ("Giá trị máy này gửi", "What this device sent"),
    "conflict.current": ("Giá trị hiện tại", "Current value"),
    # settings
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

STRINGS: dict[str, tuple[str, str]] = {
    k: (unicodedata.normalize("NFC", vi), unicodedata.normalize("NFC", en))
    for k, (vi, en) in _TABLE.items()
}


def tr(key: str, lang: str = "vi", **values: Any) -> str:
    """The text of ``key`` in ``lang``; an unknown key shows as itself (and fails the tests)."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text


def error_text(code: str, lang: str) -> str:
    """A server error code (SYNC.md) as a sentence in the app's language."""
    return error_message(code, lang)


def device_error_text(error: DeviceError, lang: str) -> str:
    """A refusal of the device core (``mobile/core/errors.py``) in the app's language."""
    return tr("error." + error.code, lang, **error.details)


def issue_text(err: dict[str, Any], rec: Any, app: Any) -> str:
    """A refused change's error ``{field, code, message}``: the field's label and the reason."""
    lang = app.lang
    reason = error_message(str(err.get("code") or ""), lang)
    name = err.get("field")
    if not name:
        return reason
    label = str(name)
    if rec is not None and app.device is not None:
        fdef = app.device.forms.latest(rec.entity).field(str(name))
        if fdef is not None:
            label = fdef.label.en if lang == "en" else fdef.label.vi
    return f"{label}: {reason}"


def local_time(iso: str) -> str:
    """An ISO UTC time as the device's local day and time."""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    return when.strftime("%d/%m/%Y %H:%M")
