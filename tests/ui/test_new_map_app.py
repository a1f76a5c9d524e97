"""Issue 19: the app on a server of the new map (`dkst demo`, Tỉnh Lâm Đồng on the current tree).
A field unit is labelled "Xã, phường, đặc khu" and named as the new map names it; the home screen
names the officer's role. The app runs in a process of its own (one Kivy window per process: the
UI suite's window stays on its legacy server), and saves ``form-new-map.png`` and
``home-new-map.png`` beside the suite's screenshots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.mobile.live import PW, login_device
from tests.support import server as support
from tests.ui.driver import keep_shot, run_own_window

pytestmark = pytest.mark.ui


# The real start (mobile.ui.main.run); once the window is up, the home screen is saved, then a
# new model's form, and what the unit field says is written down.
DRIVE = """
import json, sys, threading, time
from pathlib import Path

data, out = Path(sys.argv[1]), Path(sys.argv[2])

def drive():
    time.sleep(4)
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window

    def home(_dt):
        Window.screenshot(name=str(out / "home-new-map.png"))
        App.get_running_app().show("form", entity="model")
        Clock.schedule_once(form, 1.5)

    def form(_dt):
        app = App.get_running_app()
        scr = app.sm.current_screen
        unit = scr.editors["unit"]
        info = {"label": unit.label, "shown": unit.input.text, "who": app.screen("home").who}
        Window.screenshot(name=str(out / "form-new-map.png"))
        (out / "new-map.json").write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        Clock.schedule_once(lambda _dt: app.stop(), 0.5)

    Clock.schedule_once(home)

threading.Thread(target=drive, daemon=True).start()
from mobile.ui.main import run
run(data)
"""


def test_the_app_words_the_new_map(tmp_path: Path) -> None:
    from server.db.engine import make_engine
    from server.services.demo import load_demo

    with support.running_server(tmp_path / "srv", units_under=(), in_process=True) as srv:
        engine = make_engine(srv.settings().db_url)
        try:
            list(load_demo(engine, srv.settings()))
        finally:
            engine.dispose()
        support.add_user(srv, "lan.dakwil", "field_officer", "24646", PW)
        data = tmp_path / "device"
        dev = login_device(data, srv.url, "lan.dakwil", "new-map-phone")
        dev.sync()
        assert dev.units_tree() == "current"
        dev.close()
        out = tmp_path / "out"
        out.mkdir()
        run_own_window(DRIVE, str(data), str(out))
    info = json.loads((out / "new-map.json").read_text(encoding="utf-8"))
    assert info["label"] == "Xã, phường, đặc khu *"
    assert info["shown"] == "Xã Đắk Wil"
    assert info["who"].endswith("· Cán bộ hiện trường")
    for name in ("home-new-map", "form-new-map"):
        keep_shot(out, name)
