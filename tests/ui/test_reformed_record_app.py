"""Issue 19: the app shows a record the 2025 reform moved with its old unit. On the history demo
(`dkst demo --history`: Xã Ea Pô's 2022 model, reformed into Xã Đắk Wil), an officer of Xã Đắk
Wil opens the model: its unit is Xã Đắk Wil, and "Trước 1/7/2025" says Xã Ea Pô (24646), Huyện Cư
Jút, Tỉnh Đắk Nông. The app runs in a process of its own and saves ``record-reformed.png``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.mobile.live import PW, login_device
from tests.support import server as support
from tests.ui.driver import keep_shot, run_own_window

pytestmark = pytest.mark.ui


DRIVE = """
import json, sys, threading, time
from pathlib import Path

data, out, record_id = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

def drive():
    time.sleep(4)
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    def open_record(_dt):
        App.get_running_app().show("record", record_id=record_id)
        Clock.schedule_once(shot, 3)

    def shot(_dt):
        app = App.get_running_app()
        lines = [(w.name, w.value) for w in app.sm.current_screen.ids.fields.children[::-1]]
        Window.screenshot(name=str(out / "record-reformed.png"))
        (out / "lines.json").write_text(json.dumps(lines, ensure_ascii=False), encoding="utf-8")
        Clock.schedule_once(lambda _dt: app.stop(), 0.5)

    Clock.schedule_once(open_record)

threading.Thread(target=drive, daemon=True).start()
from mobile.ui.main import run
run(data)
"""


def test_the_app_shows_a_reformed_record_with_its_old_unit(tmp_path: Path) -> None:
    from server.db.engine import make_engine
    from server.services.demo import demo_id
    from server.services.demo_history import load_history_demo

    with support.running_server(tmp_path / "srv", units_under=(), in_process=True) as srv:
        engine = make_engine(srv.settings().db_url)
        try:
            list(load_history_demo(engine, srv.settings()))
        finally:
            engine.dispose()
        support.add_user(srv, "lan.dakwil", "field_officer", "24646", PW)
        data = tmp_path / "device"
        dev = login_device(data, srv.url, "lan.dakwil", "reformed-phone")
        dev.sync()
        model = demo_id("history-model-phan-vi-sinh")
        assert dev.records.get(model).fields["unit_before_2025"] == "24646"
        dev.close()
        out = tmp_path / "out"
        out.mkdir()
        run_own_window(DRIVE, str(data), str(out), model)
    lines = dict(json.loads((out / "lines.json").read_text(encoding="utf-8")))
    assert lines["Xã, phường, đặc khu"] == "Xã Đắk Wil"
    assert lines["Trước 1/7/2025"] == "Xã Ea Pô (24646), Huyện Cư Jút, Tỉnh Đắk Nông"
    keep_shot(out, "record-reformed")
