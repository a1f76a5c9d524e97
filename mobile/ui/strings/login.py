"""The sign-in screen."""

from __future__ import annotations

__all__ = ["STRINGS"]

# key -> (Vietnamese, English). Placeholders are str.format names.
STRINGS: dict[str, tuple[str, str]] = {
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
}
