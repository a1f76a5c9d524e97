"""A small tmpfs for the tests whose device or server runs out of disk (mounting needs root; CI is root)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Mounting a tmpfs needs root; CI runs as root, so there these tests run.
needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="mounting a tmpfs needs root (CI is root)"
)


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """``path`` as a tmpfs of ``size`` (``2m``) until the block ends."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def used(disk: Path) -> int:
    st = os.statvfs(disk)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def fill(disk: Path, leave: int) -> Path:
    """A file that takes all of ``disk`` but ``leave`` bytes; delete it to free the space."""
    st = os.statvfs(disk)
    filler = disk / "filler.bin"
    with open(filler, "wb", buffering=0) as f:
        f.write(b"\xa5" * max(0, st.f_bavail * st.f_frsize - leave))
    return filler
