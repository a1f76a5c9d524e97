"""The app as `dkst app` starts it, in a process of its own against a real server: its terminal
shows no library's debug lines, and a launch leaves no folder behind in the temporary directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mobile.live import PW, login_device
from tests.support import server as support

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]

# The real start (mobile.ui.main.run), stopped from a thread after a few seconds: long enough
# for the window, the home screen and the connectivity probe's request.
LAUNCH = """
import sys, threading, time

def stop_soon():
    time.sleep(float(sys.argv[2]))
    from kivy.app import App
    from kivy.clock import Clock
    Clock.schedule_once(lambda _dt: App.get_running_app().stop())

threading.Thread(target=stop_soon, daemon=True).start()
from mobile.ui.main import run
run(sys.argv[1])
"""


def test_a_launch_is_quiet_and_leaves_no_temporary_folder(tmp_path: Path) -> None:
    with support.running_server(tmp_path / "srv", in_process=True) as srv:
        support.add_user(srv, "lan", "field_officer", support.DAK_WIL, PW)
        data = tmp_path / "device"
        login_device(data, srv.url, "lan", "launch-test").close()
        tmp = tmp_path / "tmp"
        tmp.mkdir()
        # As from a terminal: none of the settings this test process gave Kivy.
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
        env.update(TMPDIR=str(tmp), PYTHONPATH=str(ROOT))
        out = subprocess.run(
            [sys.executable, "-c", LAUNCH, str(data), "4"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    log = out.stdout + out.stderr
    assert out.returncode == 0, log
    # urllib3 logs every connection at DEBUG: it reached the terminal through Kivy's handler.
    assert "Starting new HTTP connection" not in log and "DEBUG" not in log, log
    assert sorted(p.name for p in tmp.iterdir()) == []  # Kivy's home was a new mkdtemp each time
    assert (data / "kivy").is_dir()  # in the data directory instead, made once
