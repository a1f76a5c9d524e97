"""Issue 18: an officer's fix of a returned record sets ``review_state`` to ``resubmitted`` in the
same revision (SYNC.md "Records"), so the reviewer finds it again; before, it stayed "returned"
and left every "waiting" list for good."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.server.helpers import change, client, pull_all, push, record_fields
from tests.server.test_exports import csv_export


def _returned_model(
    live_server: Any, hlc: Callable[[str], str] | None = None
) -> tuple[Any, str, Any, str, str]:
    """A model of the officer's, returned by commune staff from their phone (stamped ``hlc``)."""
    officer, odev = client(live_server, "officer")
    commune, cdev = client(live_server, "commune")
    area = change(odev, record_fields("residential_area"))
    model = change(odev, record_fields("model", residential_area=area["record_id"]), entity="model")
    assert {r["status"] for r in push(officer, odev, [area, model])} == {"applied"}
    rid = model["record_id"]
    decision = {"review_state": "returned", "review_comment": "Thiếu số hộ tham gia"}
    stamp = hlc(cdev) if hlc is not None else None
    returned = change(cdev, decision, entity="model", record_id=rid, base_rev=1, hlc_=stamp)
    res = push(commune, cdev, [returned])
    assert res[0]["status"] == "applied" and res[0]["rev"] == 2
    return officer, odev, commune, cdev, rid


def _record(c: Any, rid: str) -> dict[str, Any]:
    return next(r for r in pull_all(c)[0] if r["record_id"] == rid)


def test_an_officers_fix_is_resubmitted_in_the_same_revision(live_server: Any) -> None:
    officer, odev, commune, cdev, rid = _returned_model(live_server)
    fix = change(odev, {"participating_households": 26}, entity="model", record_id=rid, base_rev=2)
    res = push(officer, odev, [fix])
    assert res[0]["status"] == "applied" and res[0]["rev"] == 3
    rec = _record(commune, rid)
    assert rec["rev"] == 3
    assert rec["fields"]["review_state"] == "resubmitted"
    assert rec["fields"]["review_comment"] == "Thiếu số hộ tham gia"  # the reason stays
    assert rec["fields"]["participating_households"] == 26
    # The officer's device learns it too; sending the fix again changes nothing.
    assert _record(officer, rid)["fields"]["review_state"] == "resubmitted"
    again = push(officer, odev, [fix])
    assert again[0]["status"] == "duplicate" and _record(commune, rid)["rev"] == 3
    # The reviewer's next decision wins over it, as any later write.
    ok = change(cdev, {"review_state": "approved"}, entity="model", record_id=rid, base_rev=3)
    assert push(commune, cdev, [ok])[0]["status"] == "applied"
    assert _record(officer, rid)["fields"]["review_state"] == "approved"


def test_a_reviewers_own_edit_leaves_it_returned(live_server: Any) -> None:
    _officer, _odev, commune, cdev, rid = _returned_model(live_server)
    edit = change(cdev, {"participating_households": 30}, entity="model", record_id=rid, base_rev=2)
    assert push(commune, cdev, [edit])[0]["status"] == "applied"
    assert _record(commune, rid)["fields"]["review_state"] == "returned"


def test_only_a_returned_record_is_resubmitted(live_server: Any) -> None:
    officer, odev = client(live_server, "officer")
    area = change(odev, record_fields("residential_area"))
    assert push(officer, odev, [area])[0]["status"] == "applied"
    edit = change(odev, {"population": 5}, record_id=area["record_id"], base_rev=1)
    assert push(officer, odev, [edit])[0]["status"] == "applied"
    assert "review_state" not in _record(officer, area["record_id"])["fields"]


def test_exports_filter_by_it(live_server: Any) -> None:
    officer, odev, _commune, _cdev, rid = _returned_model(live_server)
    push(
        officer,
        odev,
        [change(odev, {"participating_households": 12}, entity="model", record_id=rid, base_rev=2)],
    )
    district, _ = client(live_server, "district")
    rows = csv_export(district, review_state="resubmitted")["model.csv"]
    assert rid in {r["record_id"] for r in rows}
    assert {r["review_state"] for r in rows} == {"Đã sửa, chờ duyệt lại"}  # labelled in Vietnamese
    rows = csv_export(district, review_state="returned")["model.csv"]
    assert rid not in {r["record_id"] for r in rows}
