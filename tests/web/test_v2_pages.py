"""Issue 20 in the staff pages: the dashboard's figures of form set v2 (from the demo's v2
records), a plan that carries out a higher one with its PDF, a report's kind, and the member
organizations' reports beside the communes'."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.conftest import Site, log_in, shot

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def test_dashboard_shows_every_new_figure(page: Any, site: Site) -> None:
    log_in(page, "district")
    page.wait_for_selector("#chart-content[data-ready='1']")
    figures = page.locator(".movement-figures").inner_text()
    for words in (
        "Năng suất tăng thêm bình quân (%)",
        "Mô hình theo đề xuất",
        "Đề nghị nhân rộng",
        "Điểm khảo sát bình quân (1–5)",
        "Điểm: Hiệu quả",
        "Trong đó: đảng viên",
        "Số tập thể được khen thưởng",
        "Số người dự thi",
        "Sáng kiến đã áp dụng",
        "Sáng kiến (hồ sơ sáng kiến)",
        "Mô hình có nêu tồn tại, hạn chế",
        "Hội thi",
        "Loa truyền thanh cơ sở",
        "Tổ chức tôn giáo",
        "“Xanh - sạch - đẹp”",
    ):
        assert words in figures, words
    shot(page, "dashboard-v2")
    page.locator(".movement-figures").screenshot(
        path=str(Path(shot(page, "dashboard-v2")).with_name("dashboard-v2-figures.png"))
    )


def test_a_plan_with_its_parent_document_kind_and_organizations(
    page: Any, site: Site, tmp_path: Path
) -> None:
    log_in(page, "district")
    pdf = tmp_path / "ke-hoach-220.pdf"
    pdf.write_bytes(PDF)

    def create(number: str, parent: str | None = None, document: Path | None = None) -> str:
        page.goto("/web/plans")
        page.fill(".plan-form input[name=number]", number)
        page.select_option(".plan-form select[name=unit]", "662")
        page.fill(".plan-form input[name=title_vi]", "Kế hoạch thực hiện phong trào năm 2022")
        page.fill(".plan-form input[name=issued_on]", "2022-05-16")
        page.fill(".plan-form input[name=period_from]", "2022-01-01")
        page.fill(".plan-form input[name=period_to]", "2022-12-31")
        page.fill(".plan-form input[name=deadline]", "2099-12-31")
        if parent:
            page.select_option(".plan-form select[name=parent_plan_id]", parent)
        if document:
            page.set_input_files(".plan-form input[name=document]", str(document))
        page.click(".plan-form button[type=submit]")
        page.wait_for_load_state()
        return str(page.url.rsplit("/", 1)[-1])

    higher = create("169/KH-MTTQ-BTT")
    page.wait_for_selector("table.report-statuses")
    # Not a PDF: the error is on the form, nothing is created.
    bad = tmp_path / "anh.pdf"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    create("220/KH-UBND", document=bad)
    assert "PDF" in page.locator("#err-document").inner_text()

    plan = create("220/KH-UBND", parent=higher, document=pdf)
    links = page.locator(".plan-links").inner_text()
    assert "Thực hiện Kế hoạch số 169/KH-MTTQ-BTT" in links
    href = page.get_attribute("a.plan-document", "href")
    got = page.request.get(href)
    assert got.status == 200 and got.body() == PDF
    assert got.headers["content-type"] == "application/pdf"

    # The Farmers' Union reports to the district's Front: an interim review (sơ kết).
    rows = page.locator("table.organization-statuses tbody tr")
    assert rows.count() == 5 and page.locator(".organization-statuses .badge.missing").count() == 5
    page.select_option(".organization-report select[name=organization]", "farmers_union")
    page.select_option(".organization-report select[name=kind]", "interim")
    page.fill(".organization-report textarea[name=comment]", "Hội Nông dân huyện: 3 mô hình.")
    page.click(".organization-report button[type=submit]")
    page.wait_for_selector(".notice")
    row = page.locator("tr[data-organization='farmers_union']")
    assert row.locator(".badge.on_time").count() == 1 and "Sơ kết" in row.inner_text()
    shot(page, "plan-organizations")
    row.locator("a").click()
    page.wait_for_selector(".report-version")
    assert "HỘI NÔNG DÂN" in page.locator(".report-head").inner_text()
    assert "Sơ kết" in page.locator(".report-version").first.inner_text()

    # Commune staff see the plan, its parent and document, but no organization of the district.
    log_in(page, "commune")
    page.goto(f"/web/plans/{plan}")
    assert page.locator("a.plan-document").count() == 1
    assert page.locator("table.organization-statuses").count() == 0


def test_an_initiative_page_lists_its_dossier(page: Any, site: Site) -> None:
    from server.services.demo_v2 import _id

    log_in(page, "district")
    page.goto(f"/web/records/{_id('initiative-ung-dung')}")
    body = page.locator("main").inner_text()
    assert "Ứng dụng phần mềm quản lý hồ sơ một cửa" in body
    assert "Hồ sơ sáng kiến gửi Hội đồng" in body  # the v2 evidence naming this initiative
    assert "Đã áp dụng" in body and "2022" in body
