"""Read a provisioning QR code from a picture (a file on a desktop, a camera photo on a phone)."""

from __future__ import annotations

from pathlib import Path

from shared_schema.provisioning import Provisioning, ProvisioningError, decode

__all__ = ["read_provisioning"]


def read_provisioning(path: str | Path) -> Provisioning:
    """The code's server, username and language; ``ProvisioningError`` when there is none."""
    import zxingcpp  # a wheel with its own decoder; loaded only when a code is read
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            found = zxingcpp.read_barcodes(im.convert("L"))
    except (OSError, UnidentifiedImageError) as exc:
        raise ProvisioningError(f"cannot read the picture: {exc}") from exc
    for code in found:
        try:
            return decode(code.text)
        except ProvisioningError:
            continue
    raise ProvisioningError("no DKST code in the picture")
