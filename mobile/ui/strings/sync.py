"""The sync screen."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "sync.title": ("Đồng bộ", "Sync"),
    "sync.ready": ("{n} thay đổi chờ gửi.", "{n:# change|# changes} waiting to be sent."),
    "sync.start": ("Đồng bộ ngay", "Sync now"),
    "sync.cancel": ("Dừng", "Stop"),
    "sync.checking": ("Đang kiểm tra kết nối…", "Checking the connection…"),
    "sync.pushing": ("Đang gửi thay đổi: {done}/{total}", "Sending changes: {done}/{total}"),
    "sync.pulling": ("Đang nhận dữ liệu: {done} bản ghi", "Receiving: {done:# record|# records}"),
    "sync.uploading": ("Đang tải tệp lên: {done}/{total} KB", "Uploading files: {done}/{total} KB"),
    "sync.done": ("Đồng bộ xong.", "Sync finished."),
    "sync.summary": (
        "Đã gửi {pushed}: {applied} được nhận, {conflicts}, {rejected} bị từ chối.\n"
        "Đã nhận {pulled} bản ghi. Đã tải lên {files} tệp.",
        "Sent {pushed}: {applied} applied, {conflicts}, {rejected} refused.\n"
        "Received {pulled:# record|# records}. Uploaded {files:# file|# files}.",
    ),
    # in the summary; a link to the conflicts screen when there are any
    "sync.conflicts": ("{n} xung đột", "{n:# conflict|# conflicts}"),
    "sync.files_failed": (
        "{n} tệp bị máy chủ từ chối.",
        "{n:# file was|# files were} refused by the server.",
    ),
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
}
