"""The field app against a real server process: convergence, conflicts, cut links, wipes, clocks.

Every test starts the real server (uvicorn subprocess, SQLite in tmp_path) through
tests/support/server.py, and talks plain HTTP to it, as a phone would.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from mobile.core.device import Device
from mobile.core.http import NeedsLogin
from tests.mobile.conftest import area_values, model_values
from tests.mobile.live import (
    PW,
    device_state,
    download_sha,
    login_device,
    sent_change_ids,
    server_change_counts,
    server_conflicts,
    server_has_attachments,
    server_state,
    wait_past,
)
from tests.mobile.proxy import CuttingProxy
from tests.support import server as support

DAK_WIL = support.DAK_WIL
ROOT = Path(__file__).resolve().parents[2]
DAY_MS = 86_400_000


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[object]:
    with support.running_server(tmp_path, in_process=True) as s:
        for name in ("lan", "minh", "hoa"):
            support.add_user(s, name, "field_officer", DAK_WIL, PW)
        yield s


def assert_converged(srv: object, *devices: Device) -> None:
    truth = server_state(srv.api, "lan")  # type: ignore[attr-defined]
    for dev in devices:
        assert dev.outbox.counts().pending == 0
        assert device_state(dev) == truth, f"{dev.device_id} differs from the server"


@pytest.mark.parametrize("first", ["a", "b"])
def test_two_devices_edit_offline_and_converge(srv, tmp_path: Path, first: str) -> None:  # type: ignore[no-untyped-def]
    a = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    b = login_device(tmp_path / "b", srv.url, "minh", "dev-b")
    area = a.records.create("residential_area", area_values("Buôn Trum")).record_id
    model = a.records.create("model", model_values(area, "Chăn nuôi lợn sạch")).record_id
    a.sync()
    b.sync()
    assert b.records.get(model).fields["name"] == "Chăn nuôi lợn sạch"

    # Both offline now. A edits first (earlier HLC), B later; they overlap on one field.
    assert a.records.edit(
        model, {"name": "Chăn nuôi lợn sạch khép kín", "participating_households": 10}
    ).finalized
    wait_past(a.clock.last)
    assert b.records.edit(model, {"status": "replicated", "participating_households": 20}).finalized
    visit = b.records.create(
        "visit",
        {
            "model": model,
            "visit_date": "2026-03-14",
            "officer_name": "Minh",
            "location": {"lat": 12.68, "lon": 107.87, "accuracy": 4.0, "altitude": None},
            "score_creativity": 5,
        },
    ).record_id
    gone = a.records.create("residential_area", area_values("Thôn tạm")).record_id
    a.records.delete(gone)

    one, two = (a, b) if first == "a" else (b, a)
    one.sync()
    r2 = two.sync()
    one.sync()
    assert_converged(srv, a, b)

    final = a.records.get(model).fields
    # Per field, the later HLC wins whatever order the devices synced in.
    assert final["participating_households"] == 20
    assert final["name"] == "Chăn nuôi lợn sạch khép kín" and final["status"] == "replicated"
    assert b.records.get(visit).fields["score_creativity"] == 5
    assert a.records.get(gone).deleted

    # The second device to push meets the first one's value: a conflict, both values kept.
    assert r2.conflicts == 1
    [c] = two.records.conflicts_of(model)
    assert c["field"] == "participating_households"
    assert c["mine"] == (10 if two is a else 20) and c["current"] == 20
    # The other device's value, also when this device's won and the pull no longer holds it.
    assert c["other"] == (20 if two is a else 10) and c["other_known"]
    assert c["kept"] == ("other" if two is a else "mine")
    kept = server_conflicts(srv, model)
    assert [(k["field"], {k["losing"], k["winning"]}) for k in kept] == [
        ("participating_households", {10, 20})
    ]


@pytest.mark.parametrize("keep", ["mine", "other"])
def test_the_officer_keeps_either_value_of_a_conflict(srv, tmp_path: Path, keep: str) -> None:  # type: ignore[no-untyped-def]
    """A then B edit a field offline; B's later value wins and overwrites A's. On B's device the
    conflict shows A's value, and either choice is a new change that every device then holds."""
    a = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    b = login_device(tmp_path / "b", srv.url, "minh", "dev-b")
    area = a.records.create("residential_area", area_values("Buôn Trum")).record_id
    model = a.records.create("model", model_values(area, "Chăn nuôi lợn sạch")).record_id
    a.sync()
    b.sync()
    assert a.records.edit(model, {"participating_households": 22}).finalized
    wait_past(a.clock.last)
    assert b.records.edit(model, {"participating_households": 18}).finalized
    a.sync()
    assert b.sync().conflicts == 1
    [c] = b.records.conflicts_of(model)
    assert (c["mine"], c["other"], c["kept"]) == (18, 22, "mine")
    assert b.records.get(model).conflicts == ["participating_households"]
    assert len(b.records.conflicts_of()) == 1  # every record's

    chosen = c["mine"] if keep == "mine" else c["other"]
    result = b.records.resolve_conflict(model, "participating_households", chosen)
    assert result.finalized and result.change_id  # a change, also for the value already kept
    assert b.records.conflicts_of(model) == [] and b.records.get(model).conflicts == []
    assert b.records.conflicts_of() == []
    assert b.sync().applied == 1
    a.sync()
    assert a.records.get(model).fields["participating_households"] == chosen
    assert_converged(srv, a, b)


def test_rejected_change_is_kept_with_reasons_and_not_resent(srv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    area = a.records.create("residential_area", area_values()).record_id
    a.sync()
    # An officer may not set review fields; the device lets it through (the server decides).
    a.records.edit(area, {"review_state": "approved"})
    report = a.sync()
    assert report.rejected == 1
    [rej] = a.outbox.rejected()
    assert [e["code"] for e in rej.errors] == ["forbidden_field"]
    assert rej.errors[0]["message"]
    assert a.records.get(area).status == "rejected"
    again = a.sync()
    assert again.pushed == 0  # not resent blindly
    a.records.discard_rejected(area)
    assert "review_state" not in a.records.get(area).fields
    assert_converged(srv, a)


@pytest.mark.slow
def test_cut_links_during_push_pull_and_upload_converge(srv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    port = urlsplit(srv.url).port
    rng = random.Random(4)
    with CuttingProxy(("127.0.0.1", port)) as proxy:
        a = login_device(tmp_path / "a", proxy.url, "lan", "dev-a")
        a.store.update_settings(push_batch_size=7, pull_page_size=25, upload_chunk_size=16 * 1024)
        b = login_device(tmp_path / "b", srv.url, "minh", "dev-b")
        area = a.records.create("residential_area", area_values("Thôn gốc")).record_id
        a.sync()
        cuts = [1, 40, 150, 400, 700, 1200, 2000, 3500, 6000, 9000, 15000, 40000]
        ids: list[str] = []
        for i, n in enumerate(cuts):
            # Push: new records and edits of old ones go up through a link cut after n bytes.
            for j in range(5):
                ids.append(
                    a.records.create(
                        "model", model_values(area, f"Mô hình {i}-{j} đoàn kết")
                    ).record_id
                )
            for rid in rng.sample(ids, min(3, len(ids))):
                a.records.edit(rid, {"participating_people": rng.randint(1, 500)})
            # Pull: another officer's work comes down the same cut link.
            for j in range(8):
                b.records.create("model", model_values(area, f"Của Minh {i}-{j}"))
            b.sync()
            proxy.arm(n, connections=2, direction=rng.choice(["up", "down", "both"]))
            a.sync(upload=False)
        assert proxy.cuts >= len(cuts)
        b.sync()
        assert_converged(srv, a, b)
        counts = server_change_counts(srv)
        assert all(v == 1 for v in counts.values())
        assert sent_change_ids(a) <= counts.keys()
        # Each record's rev is the number of distinct changes it had: nothing applied twice.
        a_changes = dict(
            a.store.conn.execute(
                "SELECT record_id, count(*) FROM outbox WHERE state = 'sent' GROUP BY record_id"
            )
        )
        for rid, (rev, _, _) in server_state(srv.api, "lan").items():
            if rid in a_changes:
                assert rev == a_changes[rid]

        assert server_has_attachments(srv.api)
        # Upload: a ~200 KB photo through links cut at many points.
        model = ids[0]
        noise = Image.effect_noise((900, 700), 80).convert("RGB")
        photos = []
        for k, n in enumerate([100, 5000, 20000, 40000, 70000, 150000]):
            buf = io.BytesIO()
            noise.rotate(k * 7).save(buf, "JPEG", quality=90)
            stored, res = a.add_evidence(
                buf.getvalue(), parent_field="model", parent_id=model, caption=f"ảnh {k}"
            )
            assert res.finalized, res.issues
            photos.append(stored)
            proxy.arm(n, connections=1, direction=rng.choice(["up", "down", "both"]))
            a.sync()
        a.sync()
        assert a.media.pending() == []
        for stored in photos:
            assert download_sha(srv.api, "minh", stored.sha256) == stored.sha256
        assert_converged(srv, a)


def _cli(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "mobile.cli", "device", "--data-dir", str(data_dir), *args]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.mark.slow
def test_app_killed_mid_sync_resumes_without_loss_or_doubles(srv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "phone"
    login = subprocess.run(
        _cli(data, "login", "--server", srv.url, "--username", "lan", "--device-id", "dev-k"),
        input=PW + "\n",
        text=True,
        capture_output=True,
        env=_env(),
    )
    assert login.returncode == 0, login.stderr
    dev = Device.open(data)
    dev.store.update_settings(push_batch_size=50, pull_page_size=50)
    area = dev.records.create("residential_area", area_values()).record_id
    for i in range(600):
        dev.records.create("model", model_values(area, f"Mô hình số {i}"))
    dev.close()

    kills = 0
    for after_lines in (1, 3, 6, 2, 9):
        proc = subprocess.Popen(
            _cli(data, "sync", "--no-upload"),
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=_env(),
        )
        assert proc.stderr is not None
        for seen, _line in enumerate(proc.stderr, 1):
            if seen >= after_lines:
                proc.kill()  # SIGKILL: no cleanup, no finally blocks
                kills += 1
                break
        proc.wait(60)
    assert kills >= 3
    done = subprocess.run(_cli(data, "sync", "--quiet"), text=True, capture_output=True, env=_env())
    assert done.returncode == 0, done.stderr
    dev = Device.open(data)
    assert dev.outbox.counts().pending == 0
    counts = server_change_counts(srv)
    assert all(v == 1 for v in counts.values())
    assert len(sent_change_ids(dev)) == 601 and sent_change_ids(dev) <= counts.keys()
    assert_converged(srv, dev)
    status = subprocess.run(_cli(data, "status"), text=True, capture_output=True, env=_env())
    assert "0 pending" in status.stdout
    dev.close()


def test_wiped_device_gets_everything_back(srv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    b = login_device(tmp_path / "b", srv.url, "minh", "dev-b")
    area = a.records.create("residential_area", area_values()).record_id
    for i in range(30):
        a.records.create("model", model_values(area, f"Mô hình {i}"))
    b.records.create("residential_area", area_values("Thôn của Minh"))
    a.sync()
    b.sync()
    before = device_state(a)
    a.close()
    import shutil

    shutil.rmtree(tmp_path / "a")
    a = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    assert a.records.count() == 0
    a.sync()
    assert a.records.count() == 32
    assert set(device_state(a)) >= set(before)
    assert_converged(srv, a, b)
    assert a.records.list(search="thon cua minh")[0].title == "Thôn của Minh"


class SettableWall:
    def __init__(self) -> None:
        self.shift = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.shift


def test_clock_three_days_ahead_is_restamped_and_converges(srv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wall = SettableWall()
    a = login_device(tmp_path / "a", srv.url, "lan", "dev-a", wall=wall)
    b = login_device(tmp_path / "b", srv.url, "minh", "dev-b")
    area = b.records.create("residential_area", area_values()).record_id
    b.sync()
    a.sync()
    wall.shift = 3 * DAY_MS  # the phone's clock jumps three days ahead, offline
    m1 = a.records.create("model", model_values(area, "Tạo khi đồng hồ sai")).record_id
    a.records.edit(area, {"households": 77})
    report = a.sync()
    # The server refused them as clock_skew; the device learnt the server's time from the
    # response, re-stamped them and sent them again within the same sync.
    assert report.restamped >= 2 and report.rejected >= 1
    assert a.outbox.counts().rejected == 0 and a.outbox.counts().pending == 0
    assert abs(a.clock.offset_ms + 3 * DAY_MS) < 5_000
    b.sync()
    assert b.records.get(m1).fields["name"] == "Tạo khi đồng hồ sai"
    assert b.records.get(area).fields["households"] == 77
    # A later edit by the other device still wins: the bad clock no longer leads. "Later" is
    # polled, not slept: HTTP Date's one-second resolution may leave A's corrected clock up to a
    # second ahead, never days (wait_past fails after 5 s).
    wait_past(a.clock.last)
    b.records.edit(area, {"households": 78})
    b.sync()
    a.sync()
    assert a.records.get(area).fields["households"] == 78
    assert_converged(srv, a, b)


def test_clock_three_days_behind_converges(srv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wall = SettableWall()
    a = login_device(tmp_path / "a", srv.url, "lan", "dev-a", wall=wall)
    b = login_device(tmp_path / "b", srv.url, "minh", "dev-b")
    area = b.records.create("residential_area", area_values()).record_id
    b.sync()
    a.sync()
    wall.shift = -3 * DAY_MS  # three days behind, offline
    b.records.edit(area, {"households": 5})
    b.sync()
    wait_past(b.clock.last)
    a.records.edit(area, {"households": 6})  # later in real time, but stamped 3 days back
    report = a.sync()
    assert report.rejected == 0  # the past is accepted (SYNC.md) and simply loses
    assert a.records.get(area).fields["households"] == 5
    assert abs(a.clock.offset_ms - 3 * DAY_MS) < 5_000  # learnt from the server's Date
    a.records.edit(area, {"households": 9})  # now stamped with the corrected clock: it wins
    a.sync()
    b.sync()
    assert b.records.get(area).fields["households"] == 9
    assert_converged(srv, a, b)


def test_revoked_device_needs_login(srv, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    a.records.create("residential_area", area_values())
    support.dkst("devices", "revoke", "dev-a", "--data-dir", str(srv.data_dir), env=srv.env)
    with pytest.raises(NeedsLogin):
        a.sync()
    assert a.status()["logged_in"] is False
    assert a.outbox.counts().pending == 1  # nothing lost
