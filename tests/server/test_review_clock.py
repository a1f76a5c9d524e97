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
from tests.server.helpers import client, pull_all
from tests.server.test_resubmitted import _returned_model


def test_a_decision_wins_over_an_earlier_one_stamped_ahead(live_server: Any) -> None:
    import time

    def ten_minutes_ahead(device_id: str) -> str:
        return format_hlc(HLC(int(time.time() * 1000) + 10 * 60_000, 0, device_id))

    officer, _, _, _, rid = _returned_model(live_server, ten_minutes_ahead)

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
