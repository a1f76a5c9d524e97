"""Record lists, a record's page, review and conflict resolution, CSRF, scope and expired sessions."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from tests.web.conftest import MODEL, Site, log_in, shot


def _pull(site: Site, username: str, device: str) -> dict[str, dict[str, Any]]:
    with site.api(username, device) as c:
        out: dict[str, dict[str, Any]] = {}
        cursor = None
        while True:
            body = c.get("/sync/pull", params={"cursor": cursor} if cursor else {}).json()
            out.update({r["record_id"]: r for r in body["records"]})
            cursor = body["next_cursor"]
            if not body["has_more"]:
                return out


def test_list_filters_and_search_without_diacritics(page: Any, site: Site) -> None:
    log_in(page, "district")
    page.goto("/web/records?entity=model")
    # the demo's three models and its form set v2 one
    assert page.locator("table.records tbody tr").count() == 4
    page.fill("input[name=q]", "phan vi sinh")
    page.click("form.filters button[type=submit]")
    rows = page.locator("table.records tbody tr")
    assert rows.count() == 1
    assert "phân vi sinh" in rows.first.inner_text()
    page.goto("/web/records?unit=24643")
    shot(page, "records")
    html = page.content()
    assert html == unicodedata.normalize("NFC", html)


def test_record_page_labels_history_photo_and_conflict(page: Any, site: Site) -> None:
    log_in(page, "commune")
    page.goto(f"/web/records/{MODEL}")
    fields = page.locator("table.fields").inner_text()
    assert "Nội dung" in fields or "Lĩnh vực" in fields or "Tình trạng" in fields
    assert "operating" not in fields  # choice labels, never keys
    history = page.locator("table.history").inner_text()
    assert "demo-seed" in history and "phone-1" in history and "officer" in history
    img = page.locator(".photos img").first
    img.wait_for()
    assert page.evaluate("(el) => el.complete && el.naturalWidth > 0", img.element_handle())
    assert page.locator("article.conflict").count() == 1
    shot(page, "record")


def test_resolve_conflict_with_the_overwritten_value(page: Any, site: Site) -> None:
    log_in(page, "commune")
    page.goto(f"/web/records/{MODEL}")
    page.click("article.conflict button[value=losing]")
    page.wait_for_selector(".notice")
    assert page.locator("article.conflict").count() == 0
    rec = _pull(site, "officer", "phone-1")[MODEL]
    assert rec["fields"]["description"] == "Bản của cán bộ: 24 hộ tham gia."


def test_return_with_a_reason_reaches_the_officer(page: Any, site: Site) -> None:
    log_in(page, "commune")
    page.goto(f"/web/records/{MODEL}")
    page.click("button[value=returned]")  # no reason: refused on the form
    page.wait_for_selector(".review .warning")
    page.fill("textarea[name=comment]", "Thiếu ảnh hội nghị; bổ sung số hộ tham gia.")
    page.click("button[value=returned]")
    page.wait_for_selector(".notice")
    assert "Trả lại" in page.locator(".meta").inner_text()
    rec = _pull(site, "officer", "phone-1")[MODEL]
    assert rec["fields"]["review_state"] == "returned"
    assert rec["fields"]["review_comment"] == "Thiếu ảnh hội nghị; bổ sung số hộ tham gia."
    history = page.locator("table.history").inner_text()
    assert "web:commune" in history


def test_forged_csrf_token_is_403(page: Any, site: Site) -> None:
    log_in(page, "commune")
    page.goto(f"/web/records/{MODEL}")
    page.eval_on_selector(".review-form input[name=csrf]", "el => el.value = 'forged'")
    page.fill("textarea[name=comment]", "giả mạo")
    with page.expect_response(lambda r: "/review" in r.url) as resp:
        page.click("button[value=approved]")
    assert resp.value.status == 403
    r = page.request.post(f"/web/records/{MODEL}/review", form={"decision": "approved"})
    assert r.status == 403


def test_other_units_are_404(page: Any, site: Site) -> None:
    log_in(page, "district")
    for url in (
        f"/web/records/{site.mil_record}",
        "/web/?unit=663",
        "/web/records?unit=24667",
        "/web/map?unit=663",
        "/web/download/records.csv.zip?unit=663",
        "/web/?unit=67",  # the province above Cư Jút
    ):
        r = page.goto(url)
        assert r is not None and r.status == 404, url
    log_in(page, "commune")
    for url in ("/web/?unit=662", "/web/?unit=24640", "/web/records?unit=662"):
        r = page.goto(url)
        assert r is not None and r.status == 404, url


def test_expired_session_keeps_the_form(page: Any, site: Site) -> None:
    from server.db.engine import make_engine, write_tx
    from server.services.auth import log_out
    from server.web.session import SESSION_COOKIE

    log_in(page, "commune")
    page.goto(f"/web/records/{MODEL}")
    page.fill("textarea[name=comment]", "Đã đủ minh chứng — duyệt.")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    engine = make_engine(site.srv.settings().db_url)
    with write_tx(engine) as conn:  # the session ends while the form is being filled
        log_out(conn, token)
    engine.dispose()
    page.click("button[value=approved]")
    page.wait_for_selector("article.login .warning")
    assert page.locator("input[name='saved.comment']").input_value() == "Đã đủ minh chứng — duyệt."
    page.fill("input[name=username]", "commune")
    page.fill("input[name=password]", "mật-khẩu-web-đủ-dài")
    page.click("form[action='/web/login'] button[type=submit]")
    page.wait_for_selector(".notice")
    assert f"/web/records/{MODEL}" in page.url
    rec = _pull(site, "officer", "phone-1")[MODEL]
    assert rec["fields"]["review_state"] == "approved"
    assert rec["fields"]["review_comment"] == "Đã đủ minh chứng — duyệt."


def test_expired_session_on_a_page_returns_there_after_login(page: Any, site: Site) -> None:
    page.goto("/web/records?entity=model")
    assert "/web/login" in page.url
    page.fill("input[name=username]", "district")
    page.fill("input[name=password]", "mật-khẩu-web-đủ-dài")
    page.click("form[action='/web/login'] button[type=submit]")
    page.wait_for_selector("table.records")
    assert page.url.endswith("/web/records?entity=model")


def test_keyset_paging_walks_every_record_once(page: Any, site: Site) -> None:
    import uuid

    from tests.web.conftest import change, push

    with site.api("officer", "phone-9") as c:
        areas = [
            change(
                "phone-9",
                "residential_area",
                str(uuid.uuid4()),
                {
                    "name": f"Tổ {i:03d}",
                    "kind": "thon",
                    "unit": "24643",
                    "form_id": "dkst_residential_area",
                    "form_version": 1,
                },
                None,
                i,
            )
            for i in range(120)
        ]
        push(c, "phone-9", areas)
    log_in(page, "commune")
    page.goto("/web/records?entity=residential_area&q=to")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        seen += page.locator("table.records tbody td:first-child").all_inner_texts()
        nxt = page.locator(".pager a.next")
        if nxt.count() == 0:
            break
        assert "before=" in (nxt.get_attribute("href") or "")
        nxt.click()
        page.wait_for_load_state()
    names = [s for s in seen if s.startswith("Tổ ")]
    assert len(names) == 120 and len(set(names)) == 120
    assert pages == 3  # 50 + 50 + 20


def test_login_is_rate_limited_like_the_api(browser: Any, site: Site) -> None:
    ctx = browser.new_context(base_url=site.url)
    pg = ctx.new_page()
    try:
        for _ in range(10):
            log_in(pg, "district_nobody", "sai-mật-khẩu")
            assert pg.locator("article.login .warning").inner_text().startswith("Sai tên")
        log_in(pg, "district_nobody", "sai-mật-khẩu")
        assert "Quá nhiều lần thử" in pg.locator("article.login .warning").inner_text()
    finally:
        ctx.close()


def test_login_page_and_cookie_flags(page: Any, site: Site) -> None:
    from server.web.session import SESSION_COOKIE

    page.goto("/")  # a browser at the root lands on the pages
    assert "/web/login" in page.url
    shot(page, "login", full_page=False)
    log_in(page, "district")
    cookie = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    r = page.request.post("/web/login", form={"username": "district", "password": "x"})
    assert r.status == 403  # the login form has its CSRF token too


def test_resolve_a_conflict_by_editing_the_value(page: Any, site: Site) -> None:
    from tests.web.conftest import change, push

    rev = _pull(site, "officer", "phone-1")[MODEL]["rev"]
    with site.api("officer", "phone-1") as c:
        push(
            c, "phone-1", [change("phone-1", "model", MODEL, {"participating_households": 36}, rev)]
        )
    with site.api("commune", "phone-2") as c:
        push(
            c,
            "phone-2",
            [change("phone-2", "model", MODEL, {"participating_households": 38}, rev, 1)],
        )
    log_in(page, "commune")
    page.goto(f"/web/records/{MODEL}")
    field = "input[name=field][value=participating_households]"
    conflict = page.locator("article.conflict", has=page.locator(field))
    assert conflict.count() == 1
    conflict.locator("input[name=value]").fill("37")
    conflict.locator("button[value=edit]").click()
    page.wait_for_selector(".notice")
    assert page.locator(f"article.conflict {field}").count() == 0
    rec = _pull(site, "officer", "phone-1")[MODEL]
    assert rec["fields"]["participating_households"] == 37
    history = page.locator("table.history").inner_text()
    assert "web:commune" in history


def test_plan_filter_lists_evidence_by_its_visits_date(page: Any, site: Site) -> None:
    """The list's plan filter follows the period rule of the summary and the exports: evidence
    counts with the visit it names, so a photo of a visit after the period is not listed."""
    import uuid

    from tests.support.records import record_fields
    from tests.web.conftest import change, push

    tag = uuid.uuid4().hex[:6]
    area, model, inside, after = (str(uuid.uuid4()) for _ in range(4))
    records = [
        ("residential_area", area, record_fields("residential_area")),
        ("model", model, record_fields("model", residential_area=area, start_date="2023-02-01")),
        ("visit", inside, record_fields("visit", model=model, visit_date="2023-06-10")),
        ("visit", after, record_fields("visit", model=model, visit_date="2024-02-01")),
    ]
    for visit, caption in ((inside, "trong kỳ"), (after, "ngoài kỳ")):
        fields = record_fields(
            "evidence",
            visit=visit,
            sha256=hashlib.sha256(tag.encode() + visit.encode()).hexdigest(),
        )
        records.append(
            ("evidence", str(uuid.uuid4()), fields | {"caption": f"Ảnh {tag} {caption}"})
        )
    with site.api("officer", "phone-plan") as c:
        push(
            c,
            "phone-plan",
            [change("phone-plan", e, rid, f, None, i) for i, (e, rid, f) in enumerate(records)],
        )
    with site.api("district", "web-plan") as c:
        plan = c.post(
            "/plans",
            json={
                "number": f"{tag}/KH-MTTQ-BTT",
                "title": {"vi": "Kế hoạch năm 2023", "en": None},
                "unit": "662",
                "issued_on": "2023-01-05",
                "period": {"from": "2023-01-01", "to": "2023-12-31"},
                "deadline": "2024-01-20",
            },
        )
        assert plan.status_code == 201, plan.text
    log_in(page, "district")
    page.goto(f"/web/records?entity=evidence&q={tag}")
    listed = page.locator("table.records tbody tr").all_inner_texts()
    assert sorted("trong kỳ" in t for t in listed) == [False, True]  # both, without a plan
    page.goto(f"/web/records?entity=evidence&q={tag}&plan={plan.json()['plan_id']}")
    listed = page.locator("table.records tbody tr").all_inner_texts()
    assert len(listed) == 1 and "trong kỳ" in listed[0]
    # The list's download is the plan's too (issue 18: its links dropped the plan).
    with page.expect_download() as info:
        page.click(".downloads a[href*='records.csv.zip']")
    with zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes())) as z:
        visits = z.read("visit.csv").decode("utf-8-sig")
        evidence = z.read("evidence.csv").decode("utf-8-sig")
    assert inside in visits and after not in visits
    assert f"Ảnh {tag} trong kỳ" in evidence and f"Ảnh {tag} ngoài kỳ" not in evidence
