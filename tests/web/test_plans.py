"""Plans: district staff issue them (errors on the form), commune staff submit reports, the district
sees on time / late / missing and opens each report; a report prints well."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Site, log_in, shot

PLANS: dict[str, str] = {}


def _create(page: Any, number: str, deadline: str, period_from: str = "2022-01-01") -> None:
    page.goto("/web/plans")
    page.fill(".plan-form input[name=number]", number)
    page.select_option(".plan-form select[name=unit]", "662")
    page.fill(
        ".plan-form input[name=title_vi]",
        "Kế hoạch tổ chức phong trào “Đoàn kết sáng tạo” năm 2022",
    )
    page.fill(".plan-form input[name=issued_on]", "2022-05-16")
    page.fill(".plan-form input[name=period_from]", period_from)
    page.fill(".plan-form input[name=period_to]", "2022-12-31")
    page.fill(".plan-form input[name=deadline]", deadline)
    page.click(".plan-form button[type=submit]")
    page.wait_for_load_state()


def test_district_creates_plans_with_errors_on_the_form(page: Any, site: Site) -> None:
    log_in(page, "district")
    page.goto("/web/plans")
    issuer = page.locator(".plan-form select[name=unit] option[value='662']").inner_text()
    assert issuer == "Ban Thường trực Ủy ban MTTQ huyện Cư Jút"  # the seeds' wording
    _create(page, "44/KH-MTTQ-BTT", "2021-12-01")  # deadline before the period
    assert "Hạn báo cáo không được trước" in page.locator("#err-deadline").inner_text()
    assert page.locator(".plan-form input[name=number]").input_value() == "44/KH-MTTQ-BTT"
    shot(page, "plan-form-errors")
    _create(page, "   ", "2099-12-31")  # an empty number
    assert page.locator("#err-number").count() == 1

    _create(page, "44/KH-MTTQ-BTT", "2099-12-31")
    page.wait_for_selector("table.report-statuses")
    PLANS["open"] = page.url.rsplit("/", 1)[-1]
    _create(page, "44/KH-MTTQ-BTT", "2099-12-31")  # the same number twice for one unit
    assert "đã dùng số kế hoạch" in page.locator("#err-number").inner_text()
    _create(page, "45/KH-MTTQ-BTT", "2022-11-20")  # its deadline has passed
    page.wait_for_selector("table.report-statuses")
    PLANS["past"] = page.url.rsplit("/", 1)[-1]
    statuses = page.locator("table.report-statuses tbody tr")
    assert statuses.count() == 8
    assert page.locator("table.report-statuses .badge.missing").count() == 8


def test_commune_submits_on_time_then_again_and_late(page: Any, site: Site) -> None:
    log_in(page, "commune")
    page.goto(f"/web/plans/{PLANS['open']}")
    figures = page.locator(".my-report .figures").inner_text()
    assert "Lượt khảo sát" in figures
    page.fill(".submit-report textarea[name=comment]", "Xã đã hoàn thành 2 mô hình.")
    page.click(".submit-report button[type=submit]")
    page.wait_for_selector(".notice")
    assert page.locator("tr[data-unit='24643'] .badge.on_time").count() == 1
    shot(page, "plan-commune")
    page.fill(".submit-report textarea[name=comment]", "Bổ sung số liệu hội nghị.")
    page.click(".submit-report button[type=submit]")
    page.wait_for_selector(".notice")
    assert page.locator("tr[data-unit='24643'] td").nth(3).inner_text() == "2"

    page.goto(f"/web/plans/{PLANS['past']}")
    page.click(".submit-report button[type=submit]")
    page.wait_for_selector(".notice")
    assert page.locator("tr[data-unit='24643'] .badge.late").count() == 1
    r = page.goto(f"/web/plans/{PLANS['open']}/reports/24640")  # another commune's report
    assert r is not None and r.status == 404


def test_district_sees_on_time_late_missing_and_prints_a_report(page: Any, site: Site) -> None:
    log_in(page, "district")
    page.goto(f"/web/plans/{PLANS['open']}")
    assert page.locator("tr[data-unit='24643'] .badge.on_time").count() == 1
    assert page.locator("table.report-statuses .badge.missing").count() == 7
    shot(page, "plan-district")
    page.goto(f"/web/plans/{PLANS['past']}")
    assert page.locator("tr[data-unit='24643'] .badge.late").count() == 1

    page.goto(f"/web/plans/{PLANS['open']}")
    page.click("tr[data-unit='24643'] a")
    page.wait_for_selector(".report-version")
    assert page.locator(".report-version").count() == 2  # both versions, newest first
    assert "Bổ sung số liệu hội nghị." in page.locator(".report-version").first.inner_text()
    # The commune's Front body heads it, in the seeds' wording (issue 19).
    assert (
        page.locator(".report-head .org").inner_text() == "BAN THƯỜNG TRỰC ỦY BAN MTTQ XÃ ĐẮK WIL"
    )
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    shot(page, "report-print")
    page.emulate_media(media="screen")

    page.goto(f"/web/?unit=662&plan={PLANS['open']}")
    page.wait_for_selector("#chart-content[data-ready='1']")
    assert page.locator("table.summary .badge.on_time").count() == 1
    assert page.locator("table.summary .badge.missing").count() == 7
