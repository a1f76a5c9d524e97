"""Fixtures of the fault tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mobile.live import PW
from tests.support.server import DAK_WIL, LiveServer, add_user, running_server


@pytest.fixture
def officers(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server (SQLite) with two field officers of Đắk Wil, lan and minh (password ``PW``)."""
    with running_server(tmp_path / "server") as s:
        for name in ("lan", "minh"):
            add_user(s, name, "field_officer", DAK_WIL, PW)
        yield s
