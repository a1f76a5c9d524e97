"""The device core's refusals (``mobile/core/errors.py``), by code: ``error.<code>``."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
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
    "error.invalid_latitude": (
        "Vĩ độ không hợp lệ: nhập số độ từ −90 đến 90, dùng dấu chấm hoặc dấu phẩy, tối đa 8 "
        "chữ số thập phân (ví dụ 12.6958).",
        "Invalid latitude: type degrees from −90 to 90 with a dot or a comma, at most 8 "
        "decimals (for example 12.6958).",
    ),
    "error.invalid_longitude": (
        "Kinh độ không hợp lệ: nhập số độ từ −180 đến 180, dùng dấu chấm hoặc dấu phẩy, tối đa 8 "
        "chữ số thập phân (ví dụ 107.7712).",
        "Invalid longitude: type degrees from −180 to 180 with a dot or a comma, at most 8 "
        "decimals (for example 107.7712).",
    ),
    "error.invalid_accuracy": (
        "Sai số không hợp lệ: nhập số mét (ví dụ 10), hoặc để trống nếu không biết.",
        "Invalid accuracy: type a number of metres (for example 10), or leave it empty.",
    ),
}
