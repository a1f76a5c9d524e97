"""The field app in a real window against a real server: an officer's day, driven by touches.

The tests run in order on one window and one device (Kivy has one window per process): each
starts from where the previous left the officer. Screenshots of every screen go to SHOTS.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.mobile.live import PW
from tests.ui.conftest import OFFICER
from tests.ui.driver import choose, scroll_to, shot, tap, tap_ref, type_into, wait_until

pytestmark = pytest.mark.ui


def current(app: Any) -> Any:
    return app.sm.current_screen


@pytest.fixture(scope="module")
def black_hole() -> Iterator[str]:
    """A port that accepts connections and never answers (a server hung, a captive portal)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


def login_with(app: Any, server: str, username: str, password: str) -> Any:
    scr = current(app)
    assert scr.name == "login"
    type_into(scr.ids.server, server)
    type_into(scr.ids.username, username)
    type_into(scr.ids.password, password)
    tap(scr.ids.submit)
    return scr


def test_first_run_shows_login(app: Any) -> None:
    assert current(app).name == "login"
    shot("01-login")


def test_first_run_reads_a_provisioning_code(app: Any, srv: Any, tmp_path: Any) -> None:
    import json

    import zxingcpp
    from PIL import Image

    from tests.support.server import dkst

    png = tmp_path / "ma-cai-dat.png"
    out = dkst(
        "devices",
        "provision",
        OFFICER,
        "--png",
        str(png),
        "--server",
        srv.url,
        "--data-dir",
        str(srv.data_dir),
        env=srv.env,
    )
    assert out.returncode == 0, out.stderr
    payload = json.loads(zxingcpp.read_barcodes(Image.open(png))[0].text)
    assert payload == {"dkst": 1, "server": srv.url, "username": OFFICER, "lang": "vi"}  # no secret
    not_a_code = tmp_path / "anh-thuong.png"
    Image.new("RGB", (200, 200), "white").save(not_a_code)

    scr = current(app)
    for picture, filled in ((not_a_code, False), (png, True)):
        tap(scr.ids.scan)
        popup = wait_until(lambda: dialogs(app), 5, "the picture chooser")[0]
        chooser = popup.content
        chooser.path = str(tmp_path)
        entries = wait_until(
            lambda p=picture, c=chooser: [
                w for w in c.walk() if getattr(w, "path", None) == str(p)
            ],
            5,
        )
        tap(entries[0])
        wait_until(lambda: not dialogs(app), 5, "the chooser to close")
        if not filled:
            assert scr.message == "Không tìm thấy mã QR cài đặt DKST trong ảnh này."
    assert scr.ids.server.text == srv.url and scr.ids.username.text == OFFICER
    assert scr.message.startswith("Đã điền máy chủ và tên đăng nhập")
    shot("01b-login-from-code")


def test_unreachable_server_is_told_within_seconds(app: Any, black_hole: str) -> None:
    started = time.monotonic()
    scr = login_with(app, black_hole, OFFICER, PW)
    wait_until(lambda: not scr.busy, 10, "the login attempt to end")
    assert time.monotonic() - started < 6
    assert "Không kết nối được máy chủ" in scr.message
    assert not app.online
    shot("02-login-unreachable")


def test_wrong_password_is_refused(app: Any, srv: Any) -> None:
    scr = login_with(app, srv.url, OFFICER, "sai mật khẩu")
    wait_until(lambda: not scr.busy, 15, "the login attempt to end")
    assert scr.message == "Sai tên đăng nhập hoặc mật khẩu"
    assert current(app).name == "login"


def test_login_opens_home(app: Any, srv: Any) -> None:
    scr = login_with(app, srv.url, OFFICER, PW)
    wait_until(lambda: current(app).name == "home", 20, "the home screen")
    assert scr.message == ""
    home = current(app)
    assert "Cán bộ hiện trường" in home.who
    assert "24643" in home.units_text
    wait_until(lambda: app.online, 10, "the online badge")
    shot("03-home-first")


def go_back(app: Any) -> None:
    """The arrow at the top left of the current screen."""
    scr = current(app)
    arrows = [w for w in scr.walk() if getattr(w, "text", None) == "<" and not w.disabled]
    assert arrows, f"no back arrow on {scr.name}"
    tap(arrows[0])


def go_home(app: Any) -> None:
    while current(app).name != "home":
        go_back(app)


def editor(app: Any, name: str) -> Any:
    """The input of a form field, after turning to the page that holds it."""
    scr = current(app)
    assert scr.name == "form"
    while name not in [getattr(w, "fdef", None) and w.fdef.name for w in scr.ids.fields.children]:
        tap(scr.ids.next)
    return scr.editors[name]


def wait_synced(app: Any) -> None:
    wait_until(lambda: not app.syncing, 60, "the sync to end")


def test_add_residential_area(app: Any) -> None:
    wait_synced(app)  # the sync that follows the first login: unit names, forms
    home = current(app)
    assert "Xã Đắk Wil (24643)" in home.units_text
    tap(home.ids.areas)
    assert current(app).name == "records"
    tap(current(app).ids.add)
    assert current(app).name == "form"
    type_into(editor(app, "name").input, "Thôn 3")
    choose(editor(app, "kind").input, "Thôn")
    # This server works on the legacy tree (issue 19: a unit field is labelled by the tree).
    assert editor(app, "unit").label == "Xã, phường, thị trấn *"
    type_into(editor(app, "households").input, "120")
    shot("04-form-residential-area")
    tap(current(app).ids.finalize)
    rec = wait_until(lambda: current(app).name == "record" and current(app), 5, "the record")
    assert rec.title_text == "Thôn 3"
    assert "Chờ gửi" in rec.state_text
    # Only what applies: no visit or photo for an area, no finalize once it is finalized.
    assert actions(rec) == ["Sửa", "Xóa"]


def actions(rec: Any) -> list[str]:
    """The buttons a record screen shows, in their order on the screen."""
    return [b.text for b in reversed(rec.ids.actions.children) if b.get_root_window()]


def test_add_model_with_skip_logic_and_inline_errors(app: Any) -> None:
    go_home(app)
    tap(current(app).ids.models)
    tap(current(app).ids.add)
    form = current(app)
    assert form.pages == 5  # form set v2: 30 fields, 6 a page
    assert editor(app, "name").label == "Tên mô hình *"  # required mark
    type_into(editor(app, "name").input, "Sản xuất phân vi sinh phục vụ chăm bón cây trồng")
    choose(editor(app, "residential_area").input, "Thôn 3")
    choose(
        editor(app, "content_area").input,
        next(t for t in editor(app, "content_area").input.values if t.startswith("2.")),
    )
    assert not form.editor("stop_reason").shown
    choose(editor(app, "status").input, "Đã dừng")
    assert form.editor("stop_reason").shown  # skip logic, live
    tap(form.ids.finalize)
    wait_until(lambda: form.message, 5, "the form's message")
    assert "cần sửa" in form.message
    assert form.editor("stop_reason").error.startswith("Lý do dừng")  # on the page shown now
    assert form.page == 1
    shot("05-form-model-errors")
    tap(form.ids.prev)
    choose(editor(app, "status").input, "Đang hoạt động")
    assert not form.editor("stop_reason").shown
    assert form.message == ""  # nothing left to fix
    shot("06-form-model")
    tap(form.ids.finalize)
    rec = wait_until(lambda: current(app).name == "record" and current(app), 5, "the record")
    assert rec.title_text.startswith("Sản xuất phân vi sinh")
    lines = {w.name: w.value for w in rec.ids.fields.children if hasattr(w, "value")}
    assert lines["Tình trạng"] == "Đang hoạt động"
    assert "Lý do dừng" not in lines  # asked of a stopped model only, shown for one only
    assert actions(rec) == ["Sửa", "+ Lượt khảo sát", "+ Ảnh minh chứng", "Xóa"]
    shot("07-record-model")


def test_add_visit_with_gps_and_photo(app: Any, tmp_path: Any) -> None:
    from PIL import Image

    model = current(app)
    tap(model.ids.add_visit)
    form = current(app)
    assert form.name == "form" and form.entity == "visit"
    today = [w for w in editor(app, "visit_date").walk() if getattr(w, "text", "") == "Hôm nay"]
    tap(today[0])
    type_into(editor(app, "officer_name").input, "Nguyễn Thị Lan")
    score = editor(app, "score_creativity")  # a score says its range
    assert (score.hint, score.input.hint_text) == ("Từ 1 (kém) đến 5 (rất tốt)", "1–5")
    tap(form.ids.prev)
    tap(editor(app, "location").button)
    gps = current(app)
    assert gps.name == "gps"
    wait_until(lambda: gps.has_fix and gps.status == "Vị trí tốt", 10, "a good fix")
    assert "±4 m" in gps.fix_text
    shot("08-gps")
    tap(gps.ids.use)
    assert current(app) is form
    assert "12.695800, 107.771200" in form.editor("location").shown_text.text
    tap(form.ids.finalize)
    visit = wait_until(lambda: current(app).name == "record" and current(app), 5, "the visit")
    assert visit.entity == "visit"

    photo_file = tmp_path / "anh-mo-hinh.jpg"
    Image.new("RGB", (3000, 2000), (40, 140, 60)).save(photo_file, quality=90)
    tap(visit.ids.add_photo)
    photo = current(app)
    assert photo.name == "photo"
    pick_file(app, photo, photo_file)
    type_into(photo.ids.caption, "Nhà lưới ủ phân")
    shot("09-photo")
    tap(photo.ids.save)
    wait_until(lambda: current(app).name == "record", 20, "the photo to be stored")
    items = [w for w in visit.ids.children.walk() if type(w).__name__ == "EvidenceItem"]
    assert len(items) == 1 and "Nhà lưới ủ phân" in items[0].text
    assert items[0].source  # the thumbnail of the stored, resized file
    shot("10-record-visit")

    # Back from a visit is its model (it was the list of models); a record opens at its top,
    # not where the record shown before it was scrolled; back again is where the officer was.
    model_id = app.device.records.get(visit.record_id).fields["model"]
    go_back(app)
    model = current(app)
    assert (model.name, model.record_id) == ("record", model_id)
    page = model.ids.page
    [row] = [w for w in model.ids.children.children if type(w).__name__ == "ChildItem"]
    scroll_to(row)  # the model's visits, below its fields
    assert page.scroll_y < 0.5
    tap(row)
    assert (current(app).record_id, page.scroll_y) == (visit.record_id, 1)
    assert in_view(visit.ids.title)
    go_back(app)
    assert current(app).record_id == model_id and page.scroll_y < 0.5


def in_view(widget: Any) -> bool:
    """Whether the widget's middle is inside the ScrollView that holds it (seen, not scrolled off)."""
    from tests.ui.driver import pump

    pump(2)
    page = widget.parent
    while not hasattr(page, "scroll_y"):
        page = page.parent
    x, y = widget.to_window(*widget.center)
    left, bottom = page.to_window(page.x, page.y)
    return bool(left <= x <= left + page.width and bottom <= y <= bottom + page.height)


def pick_file(app: Any, photo: Any, path: Any) -> None:
    chooser = photo.ids.chooser
    chooser.path = str(path.parent)
    entries = wait_until(
        lambda: [
            w
            for w in chooser.walk()
            if getattr(w, "path", None) == str(path) and hasattr(w, "locked")
        ],
        5,
        "the file in the chooser",
    )
    tap(entries[0])
    wait_until(lambda: photo.chosen == str(path), 5, "the file to be chosen")


def sync_now(app: Any) -> Any:
    go_home(app)
    tap(current(app).ids.sync)
    scr = current(app)
    assert scr.name == "sync"
    tap(scr.ids.start)
    wait_until(lambda: not app.syncing and scr.phase_text != "Đang kiểm tra kết nối…", 60, "sync")
    return scr


def test_sync_sends_everything_and_shows_the_summary(app: Any) -> None:
    scr = sync_now(app)
    assert scr.phase_text == "Đồng bộ xong."
    assert "Đã gửi 4: 4 được nhận, 0 xung đột, 0 bị từ chối." in scr.summary
    assert "Đã tải lên 1 tệp." in scr.summary
    assert scr.ids.bar.value == 1.0
    shot("11-sync-summary")
    assert app.device.outbox.counts().pending == 0
    go_home(app)
    assert "Chưa gửi: 0 thay đổi, 0 bản nháp, 0 bị từ chối, 0 tệp" in current(app).unsent_text


def today_in(app: Any, field: str) -> None:
    tap(next(w for w in editor(app, field).walk() if getattr(w, "text", "") == "Hôm nay"))


def test_initiatives_and_activities_are_recorded_from_home(app: Any, reviewer: Any) -> None:
    """Every kind of record the reports count is made in the app: initiatives and activities
    have their lists (with their own filters) and forms, reached from home."""
    go_home(app)
    tap(current(app).ids.initiatives)
    lst = current(app)
    assert (lst.name, lst.entity) == ("records", "initiative")
    assert list(lst.filters) == ["field", "status", "review_state"]
    assert lst.ids.add.text == "+ Thêm sáng kiến"
    tap(lst.ids.add)
    form = current(app)
    assert (form.name, form.entity) == ("form", "initiative")
    assert form.title_text == "Sáng kiến, ý tưởng mới"
    type_into(editor(app, "title").input, "Nhật ký điện tử cho tổ chăn nuôi bò")
    type_into(editor(app, "authors").input, "Y Nguê Byă, Nguyễn Thị Lan")
    choose(editor(app, "field").input, "Nông, lâm nghiệp, thủy sản")
    assert not form.editor("submitted_date").shown
    choose(editor(app, "status").input, "Đã gửi hội đồng")
    assert form.editor("submitted_date").shown and not form.editor("decision_date").shown
    today_in(app, "submitted_date")
    type_into(editor(app, "benefit_vnd").input, "45000000")
    tap(form.ids.prev)
    shot("23-form-initiative")
    tap(form.ids.finalize)
    rec = wait_until(lambda: current(app).name == "record" and current(app), 5, "the record")
    assert rec.title_text == "Nhật ký điện tử cho tổ chăn nuôi bò"
    assert rec.state_text.startswith("Sáng kiến · Chờ gửi")
    assert "+ Ảnh minh chứng" in actions(rec)  # v2: the initiative's dossier, as evidence

    go_home(app)
    tap(current(app).ids.activities)
    lst = current(app)
    assert lst.entity == "activity" and list(lst.filters) == ["kind", "review_state"]
    tap(lst.ids.add)
    form = current(app)
    assert form.title_text == "Hoạt động tuyên truyền, biểu dương"
    # Form set v2 (issue 20), drawn from its definition with no code of its own: a contest asks
    # for its entrants and the collectives and individuals commended, and when.
    choose(editor(app, "kind").input, "Hội thi")
    type_into(editor(app, "title").input, "Hội thi “Tay nghề giỏi”, “Bàn tay vàng”")
    assert form.editor("commended_collectives").shown and not form.editor("broadcasts").shown
    editor(app, "commended_individuals")  # its page; left empty, as the kind changes below
    shot("24b-form-activity-v2")
    while "kind" not in [
        getattr(w, "fdef", None) and w.fdef.name for w in form.ids.fields.children
    ]:
        tap(form.ids.prev)
    choose(editor(app, "kind").input, "Bản tin, tài liệu tuyên truyền")
    type_into(editor(app, "title").input, "Bản tin Mặt trận xã quý I")
    today_in(app, "date")
    tap(form.ids.finalize)  # the number printed is required for a bulletin
    wait_until(lambda: form.message, 5, "the form's message")
    assert form.editor("bulletins_printed").error == "Số bản tin phát hành: Trường bắt buộc"
    type_into(editor(app, "bulletins_printed").input, "300")
    shot("24-form-activity")
    tap(form.ids.finalize)
    rec = wait_until(lambda: current(app).name == "record" and current(app), 5, "the record")
    assert rec.title_text == "Bản tin Mặt trận xã quý I"

    go_home(app)
    assert "Sáng kiến: 1\nHoạt động: 1" in current(app).counts_text
    scr = sync_now(app)
    assert "Đã gửi 2: 2 được nhận, 0 xung đột, 0 bị từ chối." in scr.summary
    reviewer.sync()  # the commune's reviewer, and its reports, have them
    [initiative] = reviewer.records.list("initiative")
    assert (initiative.fields["status"], initiative.fields["benefit_vnd"]) == (
        "submitted",
        45000000,
    )
    [activity] = reviewer.records.list("activity")
    assert (activity.fields["kind"], activity.fields["bulletins_printed"]) == ("bulletin", 300)
    go_home(app)
    tap(current(app).ids.activities)
    choose(current(app).filters["kind"], "Loại: Bản tin, tài liệu tuyên truyền")
    [row] = current(app).ids.rv.data
    assert row["subtitle"].endswith("· Bản tin, tài liệu tuyên truyền")


@pytest.fixture(scope="module")
def reviewer(srv: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The commune's reviewer on their own device (the core, through the same HTTP API)."""
    from tests.mobile.live import login_device
    from tests.ui.conftest import REVIEWER

    dev = login_device(tmp_path_factory.mktemp("reviewer"), srv.url, REVIEWER, "web-mttq")
    dev.sync()
    yield dev
    dev.close()


def open_from_list(app: Any, entity_button: str, title: str) -> Any:
    go_home(app)
    tap(current(app).ids[entity_button])
    lst = current(app)
    type_into(lst.ids.search, title)
    rows = wait_until(
        lambda: [w for w in lst.ids.rv.children[0].children if getattr(w, "title", "") == title],
        5,
        f"{title!r} in the list",
    )
    tap(rows[0])
    return wait_until(lambda: current(app).name == "record" and current(app), 5, "the record")


def test_returned_and_refused_changes_after_sync(app: Any, reviewer: Any) -> None:
    model = reviewer.records.list("model")[0]
    area = next(r for r in reviewer.records.list("residential_area") if r.title == "Thôn 3")
    reason = "Thiếu ảnh hội nghị tổng kết mô hình"
    assert reviewer.records.edit(
        model.record_id, {"review_state": "returned", "review_comment": reason}
    ).finalized
    reviewer.records.delete(area.record_id)
    reviewer.sync()

    # Meanwhile, offline, the officer edits the area the reviewer has just deleted.
    rec = open_from_list(app, "areas", "Thôn 3")
    tap(rec.ids.edit)
    type_into(editor(app, "households").input, "135")
    tap(current(app).ids.finalize)
    wait_until(lambda: current(app).name == "record", 5, "the saved record")

    scr = sync_now(app)
    assert "1 bị từ chối" in scr.summary
    items = [w for w in scr.ids.rejected.children]
    assert len(items) == 1
    assert items[0].text == "“Thôn 3”: Bản ghi đã bị xóa"
    shot("12-sync-refused")

    # The refused change: open it from the summary, read why, and settle it.
    tap(items[0])
    rec = current(app)
    assert rec.name == "record" and "Máy chủ từ chối: Bản ghi đã bị xóa" in rec.problems_text
    shot("13-record-refused")
    tap(rec.ids.discard)
    dialog = wait_until(
        lambda: [w for w in app.root_window.children if type(w).__name__ == "Popup"], 5
    )
    tap(dialog[0].content.ids.yes)
    wait_until(lambda: rec.deleted and not rec.has_rejected, 5, "the server's state back")
    assert app.device.outbox.counts().rejected == 0

    # The returned model is on top of the home screen, with the reviewer's reason.
    go_home(app)
    home = current(app)
    assert home.has_returned
    texts = [w.text for w in home.ids.returned.children]
    assert texts == [f"Mô hình “{model.title}”\nLý do: {reason}"]
    shot("14-home-returned")
    tap(home.ids.returned.children[0])
    rec = current(app)
    assert f"Bị trả lại. Lý do: {reason}" in rec.problems_text
    # The review state in the words the staff pages and the exports use (REVIEW_STATE_LABELS).
    assert rec.state_text.split(" · ")[-1] == "Trả lại"

    # The officer adds what was missing and syncs: the server marks the record corrected, to be
    # reviewed again (SYNC.md "Records": resubmitted), and the next pull brings that back.
    tap(rec.ids.edit)
    type_into(editor(app, "description").input, "Đã bổ sung ảnh hội nghị tổng kết mô hình.")
    tap(current(app).ids.finalize)
    wait_until(lambda: current(app).name == "record", 5, "the saved record")
    sync_now(app)
    rec = open_from_list(app, "models", model.title)
    assert rec.state_text.split(" · ")[-1] == "Đã sửa, chờ duyệt lại"
    assert "Bị trả lại" not in rec.problems_text
    shot("14b-record-resubmitted")
    go_home(app)
    assert not current(app).has_returned  # off the list of records to fix


def test_conflict_shows_both_values_and_the_officer_keeps_one(app: Any, reviewer: Any) -> None:
    """At the commune office the reviewer corrects a field to 22; later, offline, the officer
    types 18 in it. The officer's value is the later one and wins, and the pull no longer holds
    22: the conflicts screen still shows both, says which one the server kept, and the officer
    takes the other one back as a new change."""
    from tests.mobile.live import wait_past

    title = "Sản xuất phân vi sinh phục vụ chăm bón cây trồng"
    reviewer.sync()
    model = next(r for r in reviewer.records.list("model") if r.title == title)
    assert reviewer.records.edit(model.record_id, {"participating_households": 22}).finalized
    reviewer.sync()
    wait_past(reviewer.clock.last)

    rec = open_from_list(app, "models", title)
    tap(rec.ids.edit)
    type_into(editor(app, "participating_households").input, "18")
    tap(current(app).ids.finalize)
    wait_until(lambda: current(app).name == "record", 5)

    scr = sync_now(app)
    assert "1 xung đột" in scr.summary
    shot("15a-sync-conflict")
    tap_ref(scr.ids.summary, "conflicts")  # the count in the summary opens the conflicts
    conflicts = current(app)
    assert conflicts.name == "conflicts"
    [item] = conflicts.ids.conflict_list.children
    assert (item.record, item.name) == (title, "Số hộ tham gia")
    assert (item.mine, item.mine_note) == ("18", "Máy chủ đang giữ")
    assert (item.other, item.other_note) == ("22", "Đã bị ghi đè")
    shot("15b-conflicts")

    tap(item.ids.keep_other)
    assert conflicts.message.startswith("Đã chọn Số hộ tham gia: 22.")
    assert conflicts.empty and not conflicts.ids.conflict_list.children
    sync_now(app)
    reviewer.sync()
    assert reviewer.records.get(model.record_id).fields["participating_households"] == 22
    rec = open_from_list(app, "models", title)
    assert not rec.has_conflicts and "xung đột" not in rec.problems_text.lower()


def test_sync_can_be_stopped_and_resumes_later(
    app: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from PIL import Image

    from mobile.core import uploads

    # A photo of noise (it does not compress) sent in 4 KB pieces: an upload that takes a while.
    # (The device grows its chunks to what the link carries: held at 4 KB here.)
    monkeypatch.setattr(uploads, "MAX_CHUNK", 4096)
    noise = tmp_path / "nhieu.png"
    Image.frombytes("RGB", (600, 450), os.urandom(600 * 450 * 3)).save(noise)
    model = app.device.records.list("model")[0]
    app.device.add_evidence(noise, parent_field="model", parent_id=model.record_id)
    app.device.store.update_settings(upload_chunk_size=4096)
    last_sync = app.device.store.get_state("last_sync_at")
    go_home(app)
    tap(current(app).ids.sync)
    scr = current(app)
    tap(scr.ids.start)
    wait_until(lambda: scr.phase_text.startswith("Đang tải tệp lên"), 30, "the upload")
    shot("11b-sync-uploading")
    tap(scr.ids.cancel)
    wait_until(lambda: not app.syncing, 30, "the run to stop")
    assert scr.phase_text == "Đã dừng. Không mất dữ liệu; lần sau sẽ gửi tiếp."
    assert app.device.store.get_state("last_sync_at") == last_sync  # it stopped before its end
    assert len(app.device.media.pending()) == 1  # the file waits; the server keeps what it got
    # The app syncs by itself when the server answers and work waits.
    app.start_auto_sync(0.3)
    try:
        wait_until(lambda: not app.device.media.pending(), 60, "the automatic sync")
        wait_until(lambda: not app.syncing, 30)
    finally:
        app._auto_event.cancel()
        app.device.store.update_settings(upload_chunk_size=256 * 1024)


def test_evidence_recorded_by_another_device_is_fetched_on_demand(
    app: Any, reviewer: Any, tmp_path: Any
) -> None:
    from PIL import Image

    title = "Sản xuất phân vi sinh phục vụ chăm bón cây trồng"
    photo = tmp_path / "hoi-nghi.jpg"
    Image.new("RGB", (1200, 900), (200, 60, 40)).save(photo)
    reviewer.sync()
    model = next(r for r in reviewer.records.list("model") if r.title == title)
    _, saved = reviewer.add_evidence(
        photo, parent_field="model", parent_id=model.record_id, caption="Hội nghị tổng kết"
    )
    reviewer.sync()
    sync_now(app)
    rec = open_from_list(app, "models", title)
    item = wait_until(
        lambda: [
            w
            for w in rec.ids.children.walk()
            if type(w).__name__ == "EvidenceItem" and "/cache/" in w.source
        ],
        20,
        "the other device's photo",
    )[0]
    assert item.text == "Hội nghị tổng kết"
    sha = app.device.records.get(saved.record_id).fields["sha256"]
    assert item.source.endswith(sha)
    scroll_to(item)
    shot("10b-record-model-evidence")


def test_a_refused_save_is_told_in_the_officers_words(app: Any) -> None:
    """The core refuses with a code; the form words it (never the exception's English)."""
    go_home(app)
    draft = app.device.records.create(
        "residential_area", {"name": "Thôn tạm", "kind": "thon"}, finalize=False
    )
    form = app.show("form", entity="residential_area", record_id=draft.record_id)
    type_into(editor(app, "households").input, "12")
    app.device.records.discard_draft(draft.record_id)  # gone meanwhile, as from another screen
    tap(form.ids.finalize)
    assert form.message == "Chưa lưu được: Không tìm thấy bản ghi trên máy này."
    assert current(app) is form
    go_home(app)


def test_settings_gps_threshold_and_photo_size(app: Any) -> None:
    go_home(app)
    tap(current(app).ids.settings)
    scr = current(app)
    type_into(scr.ids.gps, "10")
    choose(scr.ids.photo, "1024")
    tap(scr.ids.save)
    assert scr.message == "Đã lưu."
    s = app.device.store.settings()
    assert (s.accuracy_accept_m, s.photo_max_side) == (10.0, 1024)
    type_into(scr.ids.gps, "0")
    tap(scr.ids.save)
    assert (
        scr.message == "Giá trị không hợp lệ: ngưỡng GPS là số mét lớn hơn 0."
    )  # its code, worded
    assert app.device.store.settings().accuracy_accept_m == 10.0
    type_into(scr.ids.gps, "150")  # above the warning threshold: the warning follows it up
    tap(scr.ids.save)
    assert scr.message == "Đã lưu."
    s = app.device.settings()
    assert (s.accuracy_accept_m, s.accuracy_warn_m) == (150.0, 150.0)
    type_into(scr.ids.gps, "5")
    tap(scr.ids.save)
    assert app.device.settings().accuracy_warn_m == 150.0  # lowering the accept leaves it


def test_search_with_and_without_diacritics(app: Any) -> None:
    go_home(app)
    tap(current(app).ids.models)
    lst = current(app)
    for query, n in (("phân vi sinh", 1), ("phan vi sinh", 1), ("PHAN VI", 1), ("lợn", 0)):
        type_into(lst.ids.search, query)
        assert len(lst.ids.rv.data) == n, query
    type_into(lst.ids.search, "phan vi")
    choose(lst.filters["status"], "Tình trạng: Đang hoạt động")
    assert len(lst.ids.rv.data) == 1
    choose(lst.filters["review_state"], "Duyệt: Trả lại")
    assert len(lst.ids.rv.data) == 0  # corrected since, and synced
    choose(lst.filters["review_state"], "Duyệt: Đã sửa, chờ duyệt lại")
    assert len(lst.ids.rv.data) == 1
    assert lst.ids.rv.data[0]["subtitle"] == "Đang hoạt động · Đã sửa, chờ duyệt lại"
    shot("15-model-list")
    choose(lst.filters["status"], "Tình trạng: Đã dừng")
    assert len(lst.ids.rv.data) == 0
    choose(lst.filters["status"], "Tình trạng: Tất cả")
    choose(lst.filters["review_state"], "Duyệt: Tất cả")


def test_switch_language(app: Any) -> None:
    go_home(app)
    tap(current(app).ids.settings)
    settings = current(app)
    tap(settings.ids.lang_en)
    assert app.lang == "en"
    assert settings.ids.logout.text == "Sign out"
    shot("16-settings-en")
    go_home(app)
    home = current(app)
    assert home.ids.models.text == "Models"
    assert home.unsent_text.startswith("Not sent:")
    shot("17-home-en")
    tap(home.ids.settings)
    tap(current(app).ids.lang_vi)
    assert app.lang == "vi" and current(app).ids.logout.text == "Đăng xuất"


def test_bad_photos_are_explained_and_the_screen_stays_live(app: Any, tmp_path: Any) -> None:
    import os

    rec = open_from_list(app, "models", "Sản xuất phân vi sinh phục vụ chăm bón cây trồng")
    before = app.device.records.count("evidence")
    tap(rec.ids.add_photo)
    photo = current(app)
    corrupt = tmp_path / "hong.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(5000))  # a JPEG's first bytes, then noise
    big = tmp_path / "anh-40MB.jpg"
    big.write_bytes(os.urandom(40 * 1024 * 1024))
    for bad in (corrupt, big):
        pick_file(app, photo, bad)
        tap(photo.ids.save)
        frames = 0
        while photo.busy:  # the file is read on a worker thread: frames keep coming meanwhile
            tap(photo.ids.caption)
            frames += 1
        assert photo.message.startswith("Tệp này không phải ảnh JPEG, PNG, WebP hay PDF hợp lệ")
        assert current(app) is photo
    shot("18-photo-bad")
    assert app.device.records.count("evidence") == before
    go_back(app)


def test_the_file_chooser_lists_a_photo_saved_since_it_was_last_open(
    app: Any, tmp_path: Any
) -> None:
    from PIL import Image

    def listed(photo: Any, path: Any) -> bool:
        return any(getattr(w, "path", None) == str(path) for w in photo.ids.chooser.walk())

    rec = current(app)
    old, new = tmp_path / "anh-cu.jpg", tmp_path / "anh-moi.jpg"
    Image.new("RGB", (64, 48), (90, 120, 60)).save(old)
    tap(rec.ids.add_photo)
    photo = current(app)
    photo.ids.chooser.path = str(tmp_path)
    wait_until(lambda: listed(photo, old), 5, "the folder's photo")
    go_back(app)
    Image.new("RGB", (64, 48), (60, 90, 120)).save(new)  # copied from the camera meanwhile
    tap(rec.ids.add_photo)
    wait_until(lambda: listed(photo, new), 5, "the photo saved since")
    go_back(app)


def test_no_gps_offers_manual_entry(app: Any) -> None:
    """With no receiver the officer types the position. Each time the fields start empty and a
    tap selects what a field holds, so typed digits never join an old value (12.6941 typed after
    12.6930 was saved as 12.6930126941); a malformed number is refused, by its field."""
    from mobile.core.location import ManualLocationProvider

    rec = current(app)
    saved, app.location = app.location, ManualLocationProvider()
    try:
        tap(rec.ids.add_visit)
        tap(editor(app, "location").button)
        gps = current(app)
        wait_until(lambda: gps.status.startswith("Máy này không có GPS"), 5, "no GPS told")
        type_into(gps.ids.lat, "112.5", clear=False)
        type_into(gps.ids.lon, "107,7712", clear=False)  # a comma is a decimal mark too
        tap(gps.ids.use_manual)
        assert gps.message.startswith("Vĩ độ không hợp lệ: nhập số độ từ −90 đến 90")
        type_into(gps.ids.lat, "12.6930", clear=False)  # the tap selected 112.5: replaced
        assert gps.ids.lat.text == "12.6930"
        tap(gps.ids.use_manual)
        form = current(app)
        assert form.name == "form"
        assert form.editor("location").get()["lat"] == 12.693

        # The officer corrects the position: the screen opens empty, not with 12.6930.
        tap(form.editor("location").button)
        gps = current(app)
        assert [gps.ids[f].text for f in ("lat", "lon", "acc")] == ["", "", ""]
        assert gps.message == ""
        type_into(gps.ids.lat, "12.6941", clear=False)
        type_into(gps.ids.lon, "107.7712", clear=False)
        type_into(gps.ids.acc, "15", clear=False)
        assert (gps.ids.lat.text, gps.ids.lon.text) == ("12.6941", "107.7712")
        shot("19-gps-manual")
        tap(gps.ids.use_manual)
        assert current(app) is form
        assert form.editor("location").get() == {
            "lat": 12.6941,
            "lon": 107.7712,
            "accuracy": 15.0,
            "altitude": None,
        }
        tap(form.ids.draft)  # a draft: the officer finishes it later
        wait_until(lambda: current(app).name == "record", 5, "the draft")
        assert "Bản nháp" in current(app).state_text
    finally:
        app.location = saved


def dialogs(app: Any) -> list[Any]:
    return [w for w in app.root_window.children if type(w).__name__ == "Popup"]


def test_logout_refused_with_unsent_changes_unless_confirmed_twice(app: Any) -> None:
    go_home(app)
    assert "1 bản nháp" in current(app).unsent_text
    tap(current(app).ids.settings)
    tap(current(app).ids.logout)
    first = wait_until(lambda: dialogs(app), 5, "the first question")[0]
    # A draft is counted as a draft, not as a change waiting to be sent.
    assert (
        first.content.text
        == "Còn 1 bản nháp chưa hoàn thành trên máy này. Nên đồng bộ trước khi đăng xuất."
    )
    shot("20-logout-unsent")
    tap(first.content.ids.no)
    wait_until(lambda: not dialogs(app), 5)
    assert current(app).name == "settings" and app.device is not None

    tap(current(app).ids.logout)
    tap(wait_until(lambda: dialogs(app), 5)[0].content.ids.yes)
    second = wait_until(lambda: dialogs(app), 5, "the second question")[0]
    assert second.content.text.startswith("Chắc chắn đăng xuất? 1 bản nháp chưa hoàn thành")
    tap(second.content.ids.no)
    wait_until(lambda: not dialogs(app), 5)
    assert current(app).name == "settings" and app.device is not None


def test_logout_keeps_the_work_for_the_next_login(app: Any, srv: Any) -> None:
    from mobile.core.device import Device

    go_home(app)
    tap(current(app).ids.settings)
    tap(current(app).ids.logout)
    tap(wait_until(lambda: dialogs(app), 5, "the first question")[0].content.ids.yes)
    second = wait_until(lambda: dialogs(app), 5, "the second question")[0]
    assert second.content.text.startswith("Chắc chắn đăng xuất?")
    tap(second.content.ids.yes)
    wait_until(lambda: not dialogs(app), 5, "the question to close")
    login = wait_until(lambda: current(app).name == "login" and current(app), 5, "sign-in")
    assert app.device is None
    with Device.open(app.data_dir) as dev:  # the token is gone, the draft is still here
        assert not dev.logged_in
        assert dev.status()["drafts"] == 1
    assert login.ids.server.text == srv.url and login.ids.username.text == OFFICER
    type_into(login.ids.password, PW)
    tap(login.ids.submit)
    wait_until(lambda: current(app).name == "home", 20, "home again")
    wait_synced(app)
    assert "1 bản nháp" in current(app).unsent_text


def test_expired_session_asks_for_the_password_and_keeps_the_outbox(app: Any, srv: Any) -> None:
    # Finalize the draft visit: one change waits to be sent.
    rec = open_from_list(app, "models", "Sản xuất phân vi sinh phục vụ chăm bón cây trồng")
    drafts = [w for w in rec.ids.children.children if "· Bản nháp" in getattr(w, "text", "")]
    assert len(drafts) == 1
    tap(drafts[0])
    visit = current(app)
    assert visit.is_draft
    tap(visit.ids.finalize)  # it lacks the required date and officer: the form shows what
    form = wait_until(lambda: current(app).name == "form" and current(app), 5, "the form")
    assert form.editor("officer_name").error == "Cán bộ khảo sát: Trường bắt buộc"
    today = [w for w in editor(app, "visit_date").walk() if getattr(w, "text", "") == "Hôm nay"]
    tap(today[0])
    type_into(editor(app, "officer_name").input, "Nguyễn Thị Lan")
    tap(form.ids.finalize)
    wait_until(lambda: current(app).name == "record" and not current(app).is_draft, 5)
    pending = app.device.outbox.counts().pending
    assert pending >= 1
    # The server stops taking the token (as when it expires): the next sync asks to log in.
    with app.device.store.transaction():
        app.device.store.set_state("token", "expired-token")
    scr = sync_now(app)
    assert scr.phase_text == "Phiên đăng nhập đã hết hạn: nhập lại mật khẩu."
    login = wait_until(lambda: current(app).name == "login" and current(app), 10, "login")
    assert login.expired and "các thay đổi chưa gửi vẫn được giữ" in login.ids.intro.text
    shot("21-login-expired")
    assert login.ids.server.text == srv.url and login.ids.username.text == OFFICER
    type_into(login.ids.password, PW)
    tap(login.ids.submit)
    wait_until(lambda: current(app).name == "home", 20, "home again")
    wait_synced(app)
    assert app.device.outbox.counts().pending == 0  # sent by the sync after the login


def test_revoked_device_is_told(app: Any, srv: Any) -> None:
    from tests.support.server import dkst

    out = dkst(
        "devices", "revoke", app.device.device_id, "--data-dir", str(srv.data_dir), env=srv.env
    )
    assert out.returncode == 0, out.stderr
    assert app.device.records.edit(
        app.device.records.list("model")[0].record_id, {"participating_people": 30}
    ).finalized
    scr = sync_now(app)
    wait_until(lambda: current(app).name == "login", 10, "the sign-in screen")
    assert scr.phase_text == "Phiên đăng nhập đã hết hạn: nhập lại mật khẩu."
    login = current(app)
    type_into(login.ids.password, PW)
    tap(login.ids.submit)
    wait_until(lambda: not login.busy, 20, "the sign-in attempt")
    assert login.message == "Thiết bị đã bị thu hồi"
    shot("22-login-revoked")


def test_server_gone_shows_offline_within_seconds(app: Any, srv: Any) -> None:
    from mobile.core.device import Device
    from tests.support.server import stop_server

    stop_server(srv)
    with Device.open(app.data_dir) as dev:  # the officer's unsent change is still on the device
        assert dev.outbox.counts().pending == 1
    started = time.monotonic()
    app.check_online()
    wait_until(lambda: not app.online, 10, "the offline badge")
    assert time.monotonic() - started < 5


def test_a_record_screen_left_behind_does_not_move_the_app(app: Any) -> None:
    """The record screen last showed a draft that is gone since (discarded, or deleted before
    it was ever sent): switching the language elsewhere must not send the officer back."""
    from tests.ui.driver import pump

    draft = app.device.records.create(
        "residential_area", {"name": "Thôn nháp", "kind": "thon"}, finalize=False
    )
    app.screen("record").open(record_id=draft.record_id)
    app.device.records.discard_draft(draft.record_id)
    where, history = current(app).name, list(app.history)
    app.set_lang("en")
    pump(2)
    app.set_lang("vi")
    pump(2)
    assert (current(app).name, app.history) == (where, history)


def test_every_button_is_a_finger_high(app: Any) -> None:
    """Android's 48 dp touch target, for every button shown on any screen the run opened."""
    from kivy.metrics import dp
    from kivy.uix.behaviors import ButtonBehavior

    small = [
        (scr.name, type(w).__name__, getattr(w, "text", ""), round(w.height / dp(1)))
        for scr in app.sm.screens
        for w in scr.walk(restrict=True)
        if isinstance(w, ButtonBehavior)
        and w.height > 0
        and w.opacity > 0
        and w.height < dp(48) - 0.5
    ]
    assert small == []
