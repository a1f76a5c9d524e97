"""The provisioning QR code: where a new device signs in, never with what secret.

Staff print or show it (``dkst devices provision``, the staff web); the app reads it with the
phone's camera or from an image file, and fills the sign-in screen. The officer still types the
password: a code photographed on a wall or in a chat group must not open an account.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

__all__ = ["PROVISION_VERSION", "Provisioning", "ProvisioningError", "decode", "encode"]

PROVISION_VERSION = 1
_KEYS = {"dkst", "server", "username", "lang"}
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)


class ProvisioningError(ValueError):
    """Not a DKST provisioning code, or one with a bad or extra field (a secret, say)."""


@dataclass(frozen=True)
class Provisioning:
    server: str
    username: str
    lang: str = "vi"


def encode(server: str, username: str, lang: str = "vi") -> str:
    decode_fields(server, username, lang)
    return json.dumps(
        {"dkst": PROVISION_VERSION, "server": server, "username": username, "lang": lang},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode_fields(server: str, username: str, lang: str) -> Provisioning:
    if not isinstance(server, str) or not _URL.fullmatch(server):
        raise ProvisioningError("server must be an http(s) address")
    if (
        not isinstance(username, str)
        or not 1 <= len(username) <= 64
        or username.strip() != username
    ):
        raise ProvisioningError("username must be 1 to 64 characters")
    if lang not in ("vi", "en"):
        raise ProvisioningError("lang must be vi or en")
    return Provisioning(server.rstrip("/"), username, lang)


def decode(text: str) -> Provisioning:
    try:
        data = json.loads(text)
    except ValueError:
        raise ProvisioningError("not a DKST provisioning code") from None
    if not isinstance(data, dict) or data.get("dkst") != PROVISION_VERSION:
        raise ProvisioningError("not a DKST provisioning code")
    if set(data) - _KEYS:
        raise ProvisioningError(f"unexpected fields {sorted(set(data) - _KEYS)}")
    return decode_fields(data.get("server"), data.get("username"), data.get("lang", "vi"))  # type: ignore[arg-type]
