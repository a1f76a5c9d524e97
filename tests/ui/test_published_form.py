"""A form a province published as an XLSForm, in the app's window with no new code (issue 20):
after a sync the activity list's "add" opens the published version, its Vietnamese labels, its
choices and its skip logic, and the record it makes is sent. Runs after test_app.py (one window
per process) or alone: it signs the app out of whatever server it was on (test_app.py ends with
its device revoked and its server stopped) and into a server of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.mobile.live import PW
from tests.support import server as support
from tests.support.xlsforms import CONTEST_ID, contest_form
from tests.ui.conftest import OFFICER
from tests.ui.driver import choose, shot, tap, type_into, wait_until

pytestmark = pytest.mark.ui
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def own_srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A server of this test's own: the UI session's may be stopped by the time it runs."""
    data: Path = tmp_path_factory.mktemp("published-form-srv")
    with support.running_server(data, in_process=True) as s:
        support.add_user(s, OFFICER, "field_officer", support.DAK_WIL, PW)
        yield s


def _current(app: Any) -> Any:
    return app.sm.current_screen


def _sign_in(app: Any, srv: Any) -> None:
    """From any screen and any account: signed out, then in to ``srv`` as the officer."""
    app.log_out()
    wait_until(lambda: _current(app).name == "login", 10, "the sign-in screen")
    _home(app, srv)


def _home(app: Any, srv: Any) -> None:
    scr = _current(app)
    if scr.name == "login":
        type_into(scr.ids.server, srv.url)
        type_into(scr.ids.username, OFFICER)
        type_into(scr.ids.password, PW)
        tap(scr.ids.submit)
        wait_until(lambda: _current(app).name == "home", 20, "the home screen")
    while _current(app).name != "home":
        arrows = [
            w for w in _current(app).walk() if getattr(w, "text", None) == "<" and not w.disabled
        ]
        tap(arrows[0])
    wait_until(lambda: not app.syncing, 60, "a sync to end")


def _sync(app: Any) -> Any:
    tap(_current(app).ids.sync)
    scr = _current(app)
    tap(scr.ids.start)
    wait_until(lambda: not app.syncing and scr.phase_text != "Đang kiểm tra kết nối…", 60, "sync")
    return scr


def _editor(app: Any, name: str) -> Any:
    scr = _current(app)
    while name not in [getattr(w, "fdef", None) and w.fdef.name for w in scr.ids.fields.children]:
        tap(scr.ids.next)
    return scr.editors[name]


def test_the_published_form_is_filled_in_the_app(app: Any, own_srv: Any) -> None:
    srv = own_srv
    _sign_in(app, srv)
    support.add_user(srv, "quan.ui", "admin", "67", PW)
    admin = support.login(srv, "quan.ui", PW, "laptop-ui")
    r = admin.post(
        "/forms", params={"unit": "662"}, content=contest_form(), headers={"Content-Type": XLSX}
    )
    assert r.status_code in (200, 201), r.text
    scr = _sync(app)
    assert scr.phase_text == "Đồng bộ xong."
    _home(app, srv)

    tap(_current(app).ids.activities)
    tap(_current(app).ids.add)
    form = _current(app)
    assert (form.name, form.entity) == ("form", "activity")
    assert form.title_text == "Hội thi “Tay nghề giỏi”, “Bàn tay vàng”"
    assert form.form.form_id == CONTEST_ID
    choose(_editor(app, "kind").input, "Hội thi tập trung")
    type_into(_editor(app, "title").input, "Hội thi “Bàn tay vàng” xã Đắk Wil")
    tap(next(w for w in _editor(app, "date").walk() if getattr(w, "text", "") == "Hôm nay"))
    assert not form.editor("winner").shown  # skip logic: no prize chosen yet
    type_into(_editor(app, "contestants").input, "42")
    shot("30-form-published-xlsform")
    tap(form.ids.finalize)
    rec = wait_until(lambda: _current(app).name == "record" and _current(app), 5, "the record")
    assert rec.title_text == "Hội thi “Bàn tay vàng” xã Đắk Wil"
    _home(app, srv)
    scr = _sync(app)
    assert "0 bị từ chối" in scr.summary
