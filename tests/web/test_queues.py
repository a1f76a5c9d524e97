"""Issue 18, the reviewer's season: review queues with their counts on the dashboard and the
list, a record decided after another without going back to the list (a click or a key), records
corrected after a return found again (resubmitted), conflicts with their own queue and badge,
a decision in the history in words."""

from __future__ import annotations

import contextlib
import re
import uuid
from typing import Any

from tests.support.records import record_fields
from tests.support.server import add_user
from tests.web.conftest import PASSWORD, Site, change, log_in, push, shot

# Xã Đắk Lao (Đắk Mil): a commune the other pages' tests do not count, so that the records made
# here change no figure they expect.
DAK_LAO = "24667"
REVIEWER = "commune_lao"


def _reviewer(site: Site) -> None:
    with contextlib.suppress(ValueError):  # made by another test of this module already
        add_user(site.srv, REVIEWER, "commune_staff", DAK_LAO, PASSWORD)


def _seed(site: Site, tag: str) -> dict[str, str]:
    """Three new models of Đắk Lao waiting for review, a fourth returned, then corrected, and a
    conflict on the third (the officer's and the commune's descriptions from one revision)."""
    _reviewer(site)
    area = str(uuid.uuid4())
    models = {f"m{i}": str(uuid.uuid4()) for i in range(4)}
    with site.api("officer_mil", "phone-queue") as c:
        fields = record_fields("residential_area", DAK_LAO)
        changes = [change("phone-queue", "residential_area", area, fields, None)]
        for i, (key, rid) in enumerate(models.items()):
            fields = record_fields(
                "model", DAK_LAO, residential_area=area, name=f"Mô hình {tag} {key}"
            )
            changes.append(change("phone-queue", "model", rid, fields, None, i + 1))
        push(c, "phone-queue", changes)
    with site.api(REVIEWER, "desk-queue") as c:
        decision = {"review_state": "returned", "review_comment": "Thiếu ảnh"}
        push(c, "desk-queue", [change("desk-queue", "model", models["m0"], decision, 1)])
    with site.api("officer_mil", "phone-queue") as c:
        fix = {"participating_households": 40}
        push(c, "phone-queue", [change("phone-queue", "model", models["m0"], fix, 2, 9)])
        mine = {"description": "Bản của cán bộ"}
        push(c, "phone-queue", [change("phone-queue", "model", models["m2"], mine, 1, 10)])
    with site.api(REVIEWER, "desk-queue") as c:
        theirs = {"description": "Bản của xã"}
        push(c, "desk-queue", [change("desk-queue", "model", models["m2"], theirs, 1, 11)])
    return models


def _counts(page: Any) -> dict[str, int]:
    out = {}
    for link in page.locator("nav.queues a.queue").all():
        key = next(
            k
            for k in ("pending", "resubmitted", "returned", "conflicts")
            if k in (link.get_attribute("class") or "")
        )
        out[key] = int(link.locator("strong").inner_text().replace(".", ""))
    return out


def test_queues_from_the_dashboard_to_the_next_record(page: Any, site: Site) -> None:
    tag = uuid.uuid4().hex[:6]
    models = _seed(site, tag)
    log_in(page, REVIEWER)
    page.goto(f"/web/?unit={DAK_LAO}")
    before = _counts(page)
    assert before["pending"] >= 3 and before["resubmitted"] >= 1 and before["conflicts"] >= 1
    shot(page, "queues-dashboard", full_page=False)

    # The corrected record is found again, in its own queue.
    page.click("nav.queues a.resubmitted")
    page.wait_for_selector("table.records")
    assert f"Mô hình {tag} m0" in page.inner_text("table.records")
    assert "queue=resubmitted" in page.url

    # The waiting queue, newest first: decide with a key, land on the next record.
    page.goto(f"/web/records?unit={DAK_LAO}&queue=pending")
    shot(page, "queue-list")
    page.click(f"table.records a:has-text('Mô hình {tag} m3')")
    page.wait_for_selector("nav.queue-bar")
    first = page.url
    shot(page, "queue-record")
    page.keyboard.press("a")
    page.wait_for_url(lambda url: url != first and "done=review_done" in url)
    assert "queue=pending" in page.url and models["m3"] not in page.url
    assert page.locator(".notice").count() == 1

    # Return with a reason from the keyboard: R, type, Ctrl+Enter; on to the next again.
    second = page.url
    page.keyboard.press("r")
    page.keyboard.type("Chưa có số hộ tham gia")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda url: url != second and "done=review_done" in url)
    decided = re.search(r"/web/records/([0-9a-f-]{36})", second)
    assert decided is not None
    page.goto(f"/web/records/{decided.group(1)}")
    history = page.inner_text("table.history")
    assert "Trả lại: Chưa có số hộ tham gia" in history and "review_state" not in history

    with site.api("officer_mil", "phone-queue") as c:
        pulled = {r["record_id"]: r for r in c.get("/sync/pull").json()["records"]}
    assert pulled[models["m3"]]["fields"]["review_state"] == "approved"
    page.goto(f"/web/?unit={DAK_LAO}")
    after = _counts(page)
    assert after["pending"] == before["pending"] - 2


def test_conflicts_have_a_queue_and_a_badge(page: Any, site: Site) -> None:
    models = _seed(site, uuid.uuid4().hex[:6])
    log_in(page, REVIEWER)
    page.goto(f"/web/records?unit={DAK_LAO}&queue=conflicts")
    row = page.locator(f"table.records tr:has(a[href*='{models['m2']}'])")
    assert row.count() == 1
    assert row.locator(".conflict-badge").count() == 1
    assert page.locator("h1 .total").count() == 1  # the queue's total


def test_the_list_says_how_many_records_it_holds(page: Any, site: Site) -> None:
    log_in(page, "district")
    page.goto("/web/records?unit=662&entity=model")
    total = page.inner_text("h1 .total")
    assert re.search(r"\d+ hồ sơ", total), total
