"""A reviewer's decision is later than everything the record holds, whichever process made it
(issue 21): the server's clock for a reviewer's device lives in one process, so before a decision
it takes in the HLCs the record carries, read in the decision's own transaction.

Another host whose clock runs ahead is played here by the reviewer's own phone with its clock ten
minutes fast (within the allowed skew): its "returned" must not outlive the later "approved" made
in the staff pages.
"""

from __future__ import annotations

from typing import Any

from server.db.engine import make_engine, write_tx
from server.services import review
from server.services.auth import authenticate
from shared_schema.hlc import HLC, format_hlc
from tests.server.helpers import change, client, pull_all, push, record_fields


def test_a_decision_wins_over_an_earlier_one_stamped_ahead(live_server: Any) -> None:
    import time

    officer, odev = client(live_server, "officer")
    commune, cdev = client(live_server, "commune")
    area = change(odev, record_fields("residential_area"))
    model = change(odev, record_fields("model", residential_area=area["record_id"]), entity="model")
    assert {r["status"] for r in push(officer, odev, [area, model])} == {"applied"}
    rid = model["record_id"]
    ahead = format_hlc(HLC(int(time.time() * 1000) + 10 * 60_000, 0, cdev))
    returned = {"review_state": "returned", "review_comment": "Thiếu ảnh"}
    res = push(
        commune,
        cdev,
        [change(cdev, returned, entity="model", record_id=rid, base_rev=1, hlc_=ahead)],
    )
    assert res[0]["status"] == "applied"

    web, _ = client(live_server, "commune")  # the staff pages: another device of the user
    token = web.headers["Authorization"].removeprefix("Bearer ")
    engine = make_engine(live_server.settings().db_url)
    try:
        with write_tx(engine) as conn:
            who = authenticate(conn, token)
            settings = live_server.settings()
            result = review.decide(conn, settings, who, rid, decision="approved", comment="")
    finally:
        engine.dispose()
    assert result["status"] == "applied", result
    rec = next(r for r in pull_all(officer)[0] if r["record_id"] == rid)
    assert rec["fields"]["review_state"] == "approved"
