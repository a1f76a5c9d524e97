"""Records through the forms: drafts, finalize, edits that send only what changed, search."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from mobile.core.device import Device
from mobile.core.records import compose
from tests.mobile.conftest import (
    DAK_WIL,
    area_values,
    model_values,
    offline_device,
    pulled_record,
    record_fields,
)


def _outbox(dev: Device) -> list[dict[str, object]]:
    return [b["change"] for b in dev.outbox.next_batch(1000)]


def test_draft_is_saved_with_issues_and_no_change(device: Device) -> None:
    res = device.records.create("model", {"name": "Nhà lưới"}, finalize=False)
    assert not res.finalized
    assert {i.field for i in res.issues} >= {"residential_area", "content_area"}
    assert all(i.code == "required" for i in res.issues)
    rec = device.records.get(res.record_id)
    assert rec.status == "draft" and rec.fields["name"] == "Nhà lưới"
    assert _outbox(device) == []


def test_finalize_refused_keeps_answers_as_draft(device: Device) -> None:
    res = device.records.create("residential_area", {"name": "Thôn 2", "kind": "xyz"})
    assert not res.finalized
    assert [(i.field, i.code) for i in res.issues] == [("kind", "invalid_value")]
    assert device.records.get(res.record_id).fields["kind"] == "xyz"
    assert _outbox(device) == []
    fixed = device.records.edit(res.record_id, {"kind": "thon"})
    assert fixed.finalized and fixed.change_id
    [change] = _outbox(device)
    assert change["fields"]["kind"] == "thon" and change["base_rev"] is None


def test_create_change_carries_every_field_and_system_fields(device: Device) -> None:
    area = device.records.create("residential_area", area_values())
    [change] = _outbox(device)
    assert change["change_id"] == area.change_id
    assert change["op"] == "upsert" and change["entity"] == "residential_area"
    assert change["fields"] == {
        **area_values(),
        "unit": DAK_WIL,
        "form_id": "dkst_residential_area",
        "form_version": 2,  # new records are made on form set v2
    }
    assert str(change["hlc"]).endswith("-dev-a")


def test_edit_sends_only_changed_fields_with_base_rev(device: Device) -> None:
    area = device.records.create("residential_area", area_values()).record_id
    # As if pulled from the server at rev 4.
    with device.store.transaction():
        device.records.apply_server_records(
            [
                {
                    "entity": "residential_area",
                    "record_id": area,
                    "rev": 4,
                    "deleted": False,
                    "updated_at": "2026-01-01T00:00:00Z",
                    "fields": {
                        **area_values(),
                        "unit": DAK_WIL,
                        "form_id": "dkst_residential_area",
                        "form_version": 1,
                    },
                }
            ]
        )
        device.store.conn.execute("UPDATE outbox SET state = 'sent', result_rev = 1")
    res = device.records.edit(area, {"households": 130, "name": "Thôn 1"})  # name unchanged
    assert res.finalized
    change = _outbox(device)[-1]
    assert change["fields"] == {"households": 130}
    assert change["base_rev"] == 4
    # Saving the same values again queues nothing.
    assert device.records.edit(area, {"households": 130}).change_id is None


def test_draft_edit_then_finalize(device: Device) -> None:
    area = device.records.create("residential_area", area_values()).record_id
    n = len(_outbox(device))
    device.records.edit(area, {"population": 500}, finalize=False)
    rec = device.records.get(area)
    assert rec.status == "draft" and rec.fields["population"] == 500
    assert len(_outbox(device)) == n
    res = device.records.finalize(area)
    assert res.finalized
    assert _outbox(device)[-1]["fields"] == {"population": 500}
    assert device.records.get(area).status == "pending"


def test_discard_draft(device: Device) -> None:
    new = device.records.create("residential_area", area_values(), finalize=False).record_id
    device.records.discard_draft(new)
    with pytest.raises(LookupError):
        device.records.get(new)
    area = device.records.create("residential_area", area_values()).record_id
    device.records.edit(area, {"population": 1}, finalize=False)
    device.records.discard_draft(area)
    assert "population" not in device.records.get(area).fields


def test_delete(device: Device) -> None:
    draft = device.records.create("residential_area", area_values(), finalize=False).record_id
    assert device.records.delete(draft) is None  # never left the phone: nothing to send
    area = device.records.create("residential_area", area_values()).record_id
    change_id = device.records.delete(area)
    change = _outbox(device)[-1]
    assert change == {**change, "change_id": change_id, "op": "delete", "fields": {}}
    assert device.records.get(area).deleted
    assert device.records.list("residential_area") == []
    with pytest.raises(ValueError):
        device.records.edit(area, {"households": 1})


def test_unknown_entity_and_unit_rules(tmp_path: Path) -> None:
    dev = offline_device(tmp_path / "d", units=["24640", "24643"])
    with pytest.raises(ValueError):
        dev.records.create("nonsense", {})
    with pytest.raises(ValueError, match="unit"):
        dev.records.create("residential_area", area_values())  # two units: must say which
    rid = dev.records.create("residential_area", area_values(), unit="24640").record_id
    with pytest.raises(ValueError, match="unit"):
        dev.records.edit(rid, {"unit": "24643"})
    dev.close()


def test_text_is_stored_nfc(device: Device) -> None:
    decomposed = unicodedata.normalize("NFD", "Thôn Đắk Wil")
    rid = device.records.create("residential_area", area_values(decomposed)).record_id
    assert device.records.get(rid).fields["name"] == "Thôn Đắk Wil"
    assert _outbox(device)[0]["fields"]["name"] == "Thôn Đắk Wil"


@pytest.mark.parametrize(
    ("query", "hits"),
    [
        ("doan ket", 1),
        ("ĐOÀN KẾT", 1),
        ("ket doan", 1),  # words in any order
        ("Đoàn", 1),
        ("phân vi sinh", 1),
        ("phan", 1),
        ("lưới", 1),
        ("xyz", 0),
        ("50%", 0),  # LIKE wildcards are literal
        ("", 2),
    ],
)
def test_search_ignores_diacritics_and_case(device: Device, query: str, hits: int) -> None:
    area = device.records.create("residential_area", area_values("Buôn Trum")).record_id
    device.records.create("model", model_values(area, "Mô hình Đoàn Kết sáng tạo nhà lưới"))
    device.records.create("model", model_values(area, "Sản xuất phân vi sinh"))
    assert len(device.records.list("model", search=query)) == hits


def test_search_by_other_text_fields(device: Device) -> None:
    area = device.records.create("residential_area", area_values()).record_id
    device.records.create(
        "model", {**model_values(area, "Mô hình A"), "description": "Chăn nuôi lợn sạch"}
    )
    assert [r.title for r in device.records.list(search="chan nuoi")] == ["Mô hình A"]


def test_list_items_are_decoded_rows_of_what_list_finds(device: Device) -> None:
    """The app's lists page through these: id, title, fields as a dict, draft flag."""
    area = device.records.create("residential_area", area_values("Buôn Trum")).record_id
    sent = device.records.create("model", model_values(area, "Mô hình Đoàn Kết")).record_id
    draft = device.records.create(
        "model", {**model_values(area, "Nhà lưới"), "status": "stopped"}, finalize=False
    ).record_id
    gone = device.records.create("model", model_values(area, "Bỏ đi")).record_id
    device.records.delete(gone)
    items = device.records.list_items("model")
    assert [i.record_id for i in items] == [r.record_id for r in device.records.list("model")]
    assert [(i.record_id, i.title, i.draft, i.deleted) for i in items] == [
        (sent, "Mô hình Đoàn Kết", False, False),
        (draft, "Nhà lưới", True, False),
    ]
    assert items[1].entity == "model" and items[1].fields["status"] == "stopped"
    assert items[1].fields == device.records.get(draft).fields
    assert [i.title for i in device.records.list_items("model", search="nha luoi")] == ["Nhà lưới"]
    assert [
        i.record_id for i in device.records.list_items("model", fields_equal={"status": "stopped"})
    ] == [draft]
    assert [i.record_id for i in device.records.list_items("model", limit=1, offset=1)] == [draft]
    assert {i.record_id for i in device.records.list_items("model", include_deleted=True)} == {
        sent,
        draft,
        gone,
    }


def test_pull_keeps_unsent_edits_on_top(device: Device) -> None:
    area = device.records.create("residential_area", area_values()).record_id
    with device.store.transaction():
        device.store.conn.execute("UPDATE outbox SET state = 'sent', result_rev = 1")
    device.records.edit(area, {"households": 999})  # pending, not sent
    device.records.edit(area, {"population": 42}, finalize=False)  # a draft on top
    server = record_fields(
        "residential_area",
        {**area_values("Thôn Một"), "households": 5, "head_of_work_group": "Y Bhăm"},
    )
    with device.store.transaction():
        device.records.apply_server_records(
            [
                pulled_record(
                    "residential_area",
                    server,
                    record_id=area,
                    rev=2,
                    updated_at="2026-01-02T00:00:00Z",
                )
            ]
        )
    rec = device.records.get(area)
    assert rec.rev == 2
    assert rec.fields["name"] == "Thôn Một"  # the server's value
    assert rec.fields["head_of_work_group"] == "Y Bhăm"
    assert rec.fields["households"] == 999  # our unsent edit still shows
    assert rec.fields["population"] == 42  # and the draft
    assert rec.status == "draft"
    # An older page read again after a cut never rolls a record back.
    with device.store.transaction():
        device.records.apply_server_records(
            [pulled_record("residential_area", {"name": "cũ"}, record_id=area, rev=1)]
        )
    assert device.records.get(area).fields["name"] == "Thôn Một"


def test_pulled_tombstone_hides_record(device: Device) -> None:
    rid = "0f4e3c1a-1111-4a2b-9c3d-000000000001"
    rec = pulled_record("residential_area", {**area_values(), "unit": DAK_WIL}, record_id=rid)
    with device.store.transaction():
        device.records.apply_server_records([rec])
    assert device.records.count("residential_area") == 1
    with device.store.transaction():
        device.records.apply_server_records([{**rec, "rev": 2, "deleted": True}])
    assert device.records.count("residential_area") == 0
    assert device.records.get(rid).deleted


def test_rejected_change_is_kept_shown_and_folded_into_the_fix(device: Device) -> None:
    area = device.records.create("residential_area", area_values()).record_id
    batch = device.outbox.next_batch(10)
    err = {"field": "name", "code": "invalid_value", "message": "Tên: Giá trị không hợp lệ"}
    device.outbox.apply_results(
        batch,
        [
            {
                "change_id": batch[0]["change"]["change_id"],
                "status": "rejected",
                "rev": None,
                "conflicts": [],
                "errors": [err],
            }
        ],
    )
    rec = device.records.get(area)
    assert rec.status == "rejected" and rec.errors == [err]
    assert device.outbox.next_batch(10) == []  # not resent blindly
    assert device.outbox.rejected()[0].errors == [err]
    device.records.edit(area, {"name": "Thôn Mới"})
    [change] = _outbox(device)
    # The fix is a full create again: the rejected change never reached the server.
    assert change["fields"]["name"] == "Thôn Mới" and change["fields"]["kind"] == "thon"
    assert device.outbox.rejected() == []
    assert device.records.get(area).status == "pending"


def test_compose_order() -> None:
    view, deleted = compose(
        {"a": 1, "b": 1}, False, [("upsert", {"b": 2}), ("upsert", {"c": 3})], {"a": 9}
    )
    assert view == {"a": 9, "b": 2, "c": 3} and not deleted
    assert compose({"a": 1}, False, [("delete", {})], None)[1] is True


def test_save_is_one_transaction(device: Device) -> None:
    """A crash inside the save (here: the clock failing) leaves neither record nor change."""

    def boom() -> str:
        raise RuntimeError("power cut")

    device.records.clock.now = boom  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        device.records.create("residential_area", area_values())
    assert device.records.count() == 0
    assert _outbox(device) == []
    assert device.store.conn.execute("SELECT count(*) FROM records").fetchone()[0] == 0


def test_status_summary(device: Device) -> None:
    device.records.create("residential_area", area_values())
    device.records.create("residential_area", {"name": "x"}, finalize=False)
    st = device.status()
    assert st["records"] == 2 and st["drafts"] == 1
    assert st["outbox"]["pending"] == 1
    json.dumps(st)  # the CLI prints it as JSON


def _fts_ok(dev: Device) -> None:
    """The search index agrees with the records table (FTS5's own check)."""
    if dev.store.has_fts():
        dev.store.conn.execute("INSERT INTO records_fts(records_fts) VALUES ('integrity-check')")


def test_search_index_stays_whole_through_saves_and_pulls(device: Device) -> None:
    area = device.records.create("residential_area", area_values("Làng Cũ")).record_id
    device.records.edit(area, {"name": "Làng Mới"})
    draft = device.records.create("residential_area", {"name": "Nháp"}, finalize=False).record_id
    device.records.discard_draft(draft)
    pulled = [
        pulled_record(
            "residential_area", record_fields("residential_area", area_values(f"Buôn {i}"))
        )
        for i in range(5)
    ]
    twice = pulled_record(
        "residential_area",
        record_fields("residential_area", area_values("Buôn Trum mới")),
        record_id=pulled[0]["record_id"],
        rev=2,
    )
    with device.store.transaction():
        device.records.apply_server_records([*pulled, twice])  # one record twice in a page
    with device.store.transaction():
        device.records.apply_server_records([{**pulled[1], "rev": 3, "deleted": True}])
    _fts_ok(device)
    assert [r.title for r in device.records.list(search="buon trum")] == ["Buôn Trum mới"]
    assert [r.title for r in device.records.list(search="lang moi")] == ["Làng Mới"]
    assert device.records.list(search="lang cu") == []
    assert len(device.records.list(search="buon")) == 4  # one of five deleted


def test_search_key_keeps_each_word_once_and_still_finds_all(device: Device) -> None:
    text = "cà phê sạch " * 150 + "hồ tiêu Buôn Trum"  # the last words after many repeats
    rid = device.records.create(
        "residential_area", {**area_values("Thôn Cà Phê"), "head_of_work_group": text}
    ).record_id
    row = device.store.conn.execute(
        "SELECT search FROM records WHERE record_id = ?", (rid,)
    ).fetchone()[0]
    assert row.split() == list(dict.fromkeys(row.split()))
    assert [r.record_id for r in device.records.list(search="ho tieu buon trum")] == [rid]


def test_a_draft_made_on_v1_finishes_on_v1(device: Device) -> None:
    """Issue 20: the app updated to form set v2 while a v1 draft waited; the draft keeps v1 (its
    fields, its rules), and a new record is made on v2."""
    v1 = {"kind": "commendation", "title": "Biểu dương điển hình", "date": "2019-12-01"}
    res = device.records.create(
        "activity", v1, form_id="dkst_activity", form_version=1, finalize=False
    )
    assert {i.field for i in res.issues} == {"commendations"}  # v1's one count, required
    device.records.edit(res.record_id, {"commendations": 15}, finalize=False)
    done = device.records.finalize(res.record_id)
    assert done.finalized, done.issues
    sent = _outbox(device)[-1]["fields"]
    assert isinstance(sent, dict)
    assert (sent["form_version"], sent["commendations"]) == (1, 15)
    fresh = device.records.create("activity", v1, finalize=False)
    assert device.records.get(fresh.record_id).fields["form_version"] == 2
    # v2 counts collectives and individuals apart.
    assert {i.field for i in fresh.issues} == {"commended_collectives", "commended_individuals"}
