"""Every page's SQL on PostgreSQL: the same pages over plain HTTP (no browser) on a PostgreSQL
server, logged in with a session cookie and posting with the CSRF token the page carries."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.support.server import running_server
from tests.web.conftest import MODEL, PASSWORD, _seed

pytestmark = pytest.mark.pg


def _session(url: str, username: str) -> httpx.Client:
    c = httpx.Client(base_url=url, follow_redirects=True, timeout=60)
    page = c.get("/web/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    r = c.post(
        "/web/login",
        data={"csrf": csrf.group(1), "username": username, "password": PASSWORD, "next": "/web/"},
    )
    assert r.status_code == 200 and str(r.url).endswith("/web/"), r.text[:500]
    return c


def test_pages_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    with running_server(tmp_path, pg_url) as srv:
        site = _seed(srv)
        c = _session(srv.url, "district")
        try:
            for path in (
                "/web/",
                "/web/?unit=24643",
                "/web/trend.json?unit=662",
                "/web/records?entity=model&q=phan vi sinh",
                "/web/records?unit=24643&review_state=pending&before=999999",
                f"/web/records/{MODEL}",
                "/web/map",
                "/web/plans",
                "/web/admin/users",
                "/web/admin/devices",
                "/web/download/models.geojson?unit=662",
            ):
                assert c.get(path).status_code == 200, path
            assert c.get(f"/web/records/{site.mil_record}").status_code == 404
        finally:
            c.close()
        c = _session(srv.url, "commune")
        try:
            page = c.get(f"/web/records/{MODEL}").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            assert csrf is not None
            r = c.post(
                f"/web/records/{MODEL}/resolve",
                data={"csrf": csrf.group(1), "field": "description", "choice": "kept"},
            )
            assert r.status_code == 200 and "/web/records/" in str(r.url)
            r = c.post(
                f"/web/records/{MODEL}/review",
                data={"csrf": csrf.group(1), "decision": "returned", "comment": "Bổ sung ảnh."},
            )
            assert r.status_code == 200
            assert "Bổ sung ảnh." in r.text and 'article class="conflict"' not in r.text
        finally:
            c.close()
