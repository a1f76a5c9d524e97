"""The error catalogue of SYNC.md: stable codes shared by the server and the field app.

Clients branch on ``code``, never on ``message``. The HTTP status of every request-level code is
fixed here, so the server maps errors to HTTP in one place.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ChangeErrorCode", "ErrorCode", "code_for_status", "error_message", "http_status"]


class ErrorCode(StrEnum):
    """Request-level errors (the ``error.code`` of an HTTP error body)."""

    INVALID_REQUEST = "invalid_request"
    INVALID_CURSOR = "invalid_cursor"
    UNAUTHORIZED = "unauthorized"
    INVALID_CREDENTIALS = "invalid_credentials"
    ACCOUNT_DISABLED = "account_disabled"
    DEVICE_REVOKED = "device_revoked"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    OFFSET_MISMATCH = "offset_mismatch"
    ALREADY_EXISTS = "already_exists"
    BATCH_TOO_LARGE = "batch_too_large"
    FILE_TOO_LARGE = "file_too_large"
    BODY_TOO_LARGE = "body_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    HASH_MISMATCH = "hash_mismatch"
    INVALID_LIMIT = "invalid_limit"
    # A workbook that is no form this server can hold (POST /forms; docs/SYNC.md, lower part).
    INVALID_FORM = "invalid_form"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"


class ChangeErrorCode(StrEnum):
    """Per-change (and per-field) codes in push results and form validation."""

    INVALID_VALUE = "invalid_value"
    REQUIRED = "required"
    UNKNOWN_FIELD = "unknown_field"
    UNKNOWN_ENTITY = "unknown_entity"
    UNKNOWN_FORM = "unknown_form"
    OUT_OF_SCOPE = "out_of_scope"
    RECORD_DELETED = "record_deleted"
    UNIT_IMMUTABLE = "unit_immutable"
    FORBIDDEN_FIELD = "forbidden_field"
    CLOCK_SKEW = "clock_skew"
    DEVICE_MISMATCH = "device_mismatch"
    CHANGE_ID_REUSED = "change_id_reused"
    INVALID_CHANGE = "invalid_change"


_HTTP: dict[ErrorCode, int] = {
    ErrorCode.INVALID_REQUEST: 400,
    ErrorCode.INVALID_CURSOR: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.INVALID_CREDENTIALS: 401,
    ErrorCode.ACCOUNT_DISABLED: 403,
    ErrorCode.DEVICE_REVOKED: 403,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.OFFSET_MISMATCH: 409,
    ErrorCode.ALREADY_EXISTS: 409,
    ErrorCode.BATCH_TOO_LARGE: 413,
    ErrorCode.FILE_TOO_LARGE: 413,
    ErrorCode.BODY_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.HASH_MISMATCH: 422,
    ErrorCode.INVALID_LIMIT: 422,
    ErrorCode.INVALID_FORM: 422,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
}

# The code a bare HTTP status stands for, when an answer has no error body of ours (a proxy's or
# the framework's own page): the statuses whose meaning is one code whatever sent them.
_BY_STATUS: dict[int, ErrorCode] = {
    401: ErrorCode.UNAUTHORIZED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.UNAVAILABLE,
}

# (Vietnamese, English)
_MESSAGES: dict[str, tuple[str, str]] = {
    "invalid_request": ("Yêu cầu không hợp lệ", "The request is not valid"),
    "invalid_cursor": (
        "Con trỏ đồng bộ không hợp lệ",
        "The sync cursor was not issued by this server",
    ),
    "unauthorized": (
        "Chưa đăng nhập hoặc phiên đã hết hạn",
        "Not signed in, or the session has expired",
    ),
    "invalid_credentials": ("Sai tên đăng nhập hoặc mật khẩu", "Wrong username or password"),
    "account_disabled": ("Tài khoản đã bị khóa", "The account is disabled"),
    "device_revoked": ("Thiết bị đã bị thu hồi", "The device has been revoked"),
    "forbidden": ("Vai trò của bạn không được phép làm việc này", "Your role may not do this"),
    "not_found": ("Không tìm thấy", "Not found"),
    "method_not_allowed": ("Phương thức không được hỗ trợ", "Method not allowed"),
    "offset_mismatch": (
        "Phần tệp không khớp vị trí đã lưu",
        "The chunk does not start at the stored offset",
    ),
    "already_exists": (
        "Đơn vị đã có kế hoạch mang số này",
        "This unit already has a plan with that number",
    ),
    "batch_too_large": ("Lô thay đổi quá lớn", "Too many changes in one batch"),
    "file_too_large": ("Tệp quá lớn", "The file is too large"),
    "body_too_large": ("Nội dung yêu cầu quá lớn", "The request body is too large"),
    "unsupported_media_type": ("Loại tệp không được chấp nhận", "This file type is not accepted"),
    "hash_mismatch": ("Mã băm của tệp không khớp", "The file does not match its SHA-256"),
    "invalid_limit": (
        "Giới hạn phải là số nguyên từ 1 đến 1000",
        "limit must be an integer from 1 to 1000",
    ),
    "invalid_form": (
        "Biểu mẫu XLSForm không dùng được: xem từng dòng trong chi tiết",
        "The XLSForm cannot be used: see each row in the details",
    ),
    "rate_limited": (
        "Quá nhiều lần thử, vui lòng thử lại sau",
        "Too many attempts, try again later",
    ),
    "unavailable": ("Máy chủ tạm thời không sẵn sàng", "The server is temporarily unavailable"),
    "invalid_value": ("Giá trị không hợp lệ", "Invalid value"),
    "required": ("Trường bắt buộc", "This field is required"),
    "unknown_field": ("Trường không có trong biểu mẫu", "The form has no such field"),
    "unknown_entity": ("Loại bản ghi không tồn tại", "Unknown entity"),
    "unknown_form": ("Biểu mẫu không tồn tại", "Unknown form or form version"),
    "out_of_scope": ("Ngoài phạm vi đơn vị của bạn", "Outside your units"),
    "record_deleted": ("Bản ghi đã bị xóa", "The record has been deleted"),
    "unit_immutable": ("Không được đổi đơn vị của bản ghi", "A record's unit cannot change"),
    "forbidden_field": (
        "Vai trò của bạn không được sửa trường này",
        "Your role may not set this field",
    ),
    "clock_skew": ("Đồng hồ thiết bị lệch quá xa", "The device clock is too far ahead"),
    "device_mismatch": ("Mã thiết bị trong HLC không khớp", "The HLC names another device"),
    "change_id_reused": (
        "Mã thay đổi đã dùng cho nội dung khác",
        "change_id reused with other content",
    ),
    "invalid_change": ("Thay đổi không đúng định dạng", "The change is malformed"),
}


def http_status(code: ErrorCode | str) -> int:
    return _HTTP[ErrorCode(code)]


def code_for_status(status: int) -> ErrorCode | None:
    """The code of an error answer that carries only its HTTP status; None when it is ambiguous."""
    return _BY_STATUS.get(status)


def error_message(code: str, lang: str = "vi") -> str:
    """Human text for a code in ``lang`` ("vi" or "en"); Vietnamese for anything else."""
    vi, en = _MESSAGES.get(code, (code, code))
    return en if lang == "en" else vi
