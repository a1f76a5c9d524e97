"""Issue 16: the pages run under a Content-Security-Policy that forbids inline script; in Chromium
no page, chart, map or button breaks on it (a violation is logged to the console)."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Site, log_in

PAGES = [
    "/web/?unit=662",
    "/web/records?unit=662",
    "/web/map?unit=662",
    "/web/plans",
    "/web/admin/users",
    "/web/admin/users/officer/qr",
]


def test_no_page_violates_its_policy(page: Any, site: Site) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    log_in(page, "district")
    for path in PAGES:
        r = page.goto(path)
        assert r is not None and r.status == 200, path
        assert "script-src 'self'" in r.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    # The dashboard drew its charts and the map its points: their scripts ran.
    page.goto("/web/?unit=662")
    page.wait_for_selector("canvas")
    page.goto("/web/map?unit=662")
    page.wait_for_selector(".leaflet-container")
    assert violations == []
