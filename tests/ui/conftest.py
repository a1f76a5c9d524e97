"""One app window for the whole UI run (Kivy has one window per process), a real server process
with an officer and a commune reviewer, and a data directory for the app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mobile.core.location import StaticLocationProvider
from tests.mobile.live import PW
from tests.support import server as support

OFFICER, REVIEWER = "lan", "mttq.dakwil"


@pytest.fixture(scope="session")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with support.running_server(tmp_path_factory.mktemp("ui-srv")) as s:
        support.add_user(s, OFFICER, "field_officer", support.DAK_WIL, PW)
        support.add_user(s, REVIEWER, "commune_staff", support.DAK_WIL, PW)
        yield s


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from mobile.ui.env import prepare_kivy

    # Kivy loads here, when a UI test first runs, not while the suite is collected. Its own log
    # mode would reconfigure the root logger (level DEBUG) for the rest of the session.
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    prepare_kivy(tmp_path_factory.mktemp("kivy-home"))
    from kivy.base import EventLoop

    from mobile.ui.app import FieldApp

    data_dir: Path = tmp_path_factory.mktemp("ui-device")
    # Xã Đắk Wil, 4 m: a GPS fix inside the default 5 m threshold.
    the_app = FieldApp(
        data_dir,
        location=StaticLocationProvider(12.6958, 107.7712, 4.0),
        probe_timeout_s=2.0,
        auto_sync=False,
    )
    the_app._run_prepare()
    EventLoop.start()
    for _ in range(5):
        EventLoop.idle()
    yield the_app
    the_app.stop()
    EventLoop.close()
