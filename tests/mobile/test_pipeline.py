"""The sync one request ahead (mobile/core/pipeline.py): push and pull overlap the device's work
with the server's, and the server still sees one request at a time, in order."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mobile.core.device import Device
from mobile.core.pipeline import RequestAhead
from tests.mobile.conftest import area_values, model_values
from tests.mobile.live import PW, device_state, login_device, server_state
from tests.support import server as support


def test_push_body_is_the_batch_as_json(device: Device) -> None:
    area = device.records.create("residential_area", area_values()).record_id
    device.records.create("model", model_values(area, name='Nhà lưới "sạch" \\ Đắk Wil'))
    batch = device.outbox.next_batch(10)
    body = json.loads(device.outbox.push_body("dev-a", batch))
    assert body == {"device_id": "dev-a", "changes": [b["change"] for b in batch]}
    assert set(body["changes"][0]) == {
        "change_id", "entity", "record_id", "op", "base_rev", "hlc", "fields"
    }  # fmt: skip


def test_next_batch_after_a_seq(device: Device) -> None:
    area = device.records.create("residential_area", area_values()).record_id
    for i in range(4):
        device.records.create("model", model_values(area, name=f"Mô hình {i}"))
    first = device.outbox.next_batch(2)
    rest = device.outbox.next_batch(10, after=first[-1]["seq"])
    assert [b["seq"] for b in first + rest] == [b["seq"] for b in device.outbox.next_batch(10)]
    assert len(rest) == 3


class _Client:
    def __init__(self) -> None:
        self.on_server_time: Any = None


def test_server_time_is_replayed_on_the_callers_thread() -> None:
    seen: list[tuple[int, str]] = []
    client = _Client()
    client.on_server_time = lambda ms: seen.append((ms, threading.current_thread().name))

    def request(ms: int) -> int:
        client.on_server_time(ms)  # as ApiClient does from the response's Date
        return ms

    with RequestAhead(client) as ahead:  # type: ignore[arg-type]
        first = ahead.submit(request, 1)
        second = ahead.submit(request, 2)
        assert ahead.result(first) == 1
        assert ahead.result(second) == 2
    main = threading.current_thread().name
    assert seen == [(1, main), (2, main)]
    assert client.on_server_time is not None and client.on_server_time.__name__ == "<lambda>"


def test_an_error_on_the_worker_is_raised_by_result() -> None:
    def fail() -> None:
        raise ValueError("boom")

    with RequestAhead(_Client()) as ahead, pytest.raises(ValueError):  # type: ignore[arg-type]
        ahead.result(ahead.submit(fail))


@pytest.fixture
def srv(tmp_path: Path) -> Iterator[object]:
    with support.running_server(tmp_path, in_process=True) as s:
        support.add_user(s, "lan", "field_officer", support.DAK_WIL, PW)
        yield s


def test_small_batches_and_pages_in_order(srv: Any, tmp_path: Path) -> None:
    """Batches of 2 and pages of 1: a record created in one batch and edited in the next
    arrives in that order (an edit first would be refused: the record would not exist), and
    an empty device pulls every record page by page."""
    a = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    a.store.update_settings(push_batch_size=2)
    area = a.records.create("residential_area", area_values()).record_id
    model = a.records.create("model", model_values(area, name="Mô hình 1")).record_id
    a.records.edit(model, {"participating_households": 42})  # the next batch
    for i in range(4):
        a.records.create("model", model_values(area, name=f"Mô hình {i + 2}"))
    report = a.sync(upload=False)
    assert (report.pushed, report.applied, report.rejected) == (7, 7, 0)
    assert a.outbox.counts().pending == 0
    truth = server_state(srv.api, "lan")
    assert truth[model][1]["participating_households"] == 42
    assert device_state(a) == truth

    b = login_device(tmp_path / "b", srv.url, "lan", "dev-b")
    b.store.update_settings(pull_page_size=1)
    report = b.sync(upload=False)
    assert report.pulled == 6 and report.pages >= 6
    assert device_state(b) == truth
    a.close()
    b.close()


def test_a_batch_over_the_body_limit_is_halved_and_sent_again(tmp_path: Path) -> None:
    """413 ``body_too_large`` for the batch in flight: the next one, already read and marked,
    is dropped, and the sweep resumes from the refused batch's first change, in halves."""
    with support.running_server(
        tmp_path, extra_env={"DKST_MAX_BODY_BYTES": "40000"}, in_process=True
    ) as s:
        support.add_user(s, "lan", "field_officer", support.DAK_WIL, PW)
        a = login_device(tmp_path / "a", s.url, "lan", "dev-a")
        a.store.update_settings(push_batch_size=8)
        area = a.records.create("residential_area", area_values()).record_id
        for i in range(11):  # ~6 KB a change: 8 in one body are over 40,000 bytes, 4 are not
            values = {**model_values(area, name=f"Mô hình {i}"), "description": "Đắk " * 1200}
            a.records.create("model", values)
        seen: list[int] = []
        report = a.sync(lambda p: seen.append(p.records_done) if p.phase == "push" else None)
        assert seen == [4, 8, 12]  # 8 refused, then halves
        assert (report.applied, report.rejected) == (12, 0)
        assert a.outbox.counts().pending == 0
        assert device_state(a) == server_state(s.api, "lan")
        a.close()
