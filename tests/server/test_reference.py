"""Health, forms and units endpoints."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared_schema import __version__
from tests.server.helpers import client, error_code


def test_health_needs_no_auth(live_server: Any) -> None:
    r = httpx.get(live_server.api + "/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "api": 1, "version": __version__}


def test_forms_list_and_definition(live_server: Any) -> None:
    c, _ = client(live_server, "officer")
    forms = c.get("/forms").json()
    assert {f["entity"] for f in forms} == {
        "residential_area",
        "model",
        "visit",
        "evidence",
        "initiative",
        "activity",
    }
    for f in forms:
        assert set(f) == {"form_id", "version", "entity", "sha256", "title"}
        assert len(f["sha256"]) == 64 and f["title"]["vi"] and f["title"]["en"]
        d = c.get(f"/forms/{f['form_id']}/{f['version']}").json()
        assert (
            d["form_id"] == f["form_id"]
            and d["version"] == f["version"]
            and d["entity"] == f["entity"]
        )
        for field in d["fields"]:
            assert {
                "name",
                "type",
                "required",
                "label",
                "choices",
                "constraints",
                "relevant",
            } <= set(field)
            assert field["type"] in {
                "text",
                "integer",
                "decimal",
                "date",
                "datetime",
                "select_one",
                "select_multiple",
                "geopoint",
                "attachment",
                "unit",
                "reference",
            }
    model = c.get("/forms/dkst_model/1").json()
    content = next(x for x in model["fields"] if x["name"] == "content_area")
    assert [ch["value"] for ch in content["choices"]] == ["1", "2", "3", "4", "5"]


def test_unknown_form_is_404(live_server: Any) -> None:
    c, _ = client(live_server, "officer")
    for path in (
        "/forms/dkst_model/99",
        "/forms/nope/1",
        "/forms/dkst_model/one",
        "/forms/dkst_model/-1",
    ):
        r = c.get(path)
        assert r.status_code == 404 and error_code(r) == "not_found", path


def test_units_are_those_in_scope(live_server: Any) -> None:
    officer, _ = client(live_server, "officer")
    assert officer.get("/units").json() == [
        {
            "code": "24643",
            "name": "Xã Đắk Wil",
            "level": "commune",
            "parent": "662",
            "tree": "legacy",
        }
    ]
    district, _ = client(live_server, "district")
    units = district.get("/units").json()
    assert len(units) == 9 and {u["code"] for u in units} >= {"662", "24640", "24643"}
    assert "67" not in {
        u["code"] for u in units
    }  # a parent of the caller's unit is outside its scope
    admin, _ = client(live_server, "admin")
    assert "67" in {u["code"] for u in admin.get("/units").json()}


def test_unknown_path_is_404_not_found(live_server: Any) -> None:
    r = httpx.get(live_server.api + "/no/such/thing")
    assert r.status_code == 404 and error_code(r) == "not_found"


def test_openapi_documents_every_route_and_error(live_server: Any) -> None:
    spec = httpx.get(live_server.api + "/openapi.json").json()
    paths = spec["paths"]
    for p in (
        "/api/v1/auth/token",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/forms",
        "/api/v1/units",
        "/api/v1/health",
        "/api/v1/admin/users/{username}/revoke",
        "/api/v1/admin/devices/{device_id}/revoke",
    ):
        assert p in paths, p
    push = paths["/api/v1/sync/push"]["post"]["responses"]
    assert {"200", "400", "401", "413", "503"} <= set(push)
    pull = paths["/api/v1/sync/pull"]["get"]["responses"]
    assert {"200", "400", "401", "422"} <= set(pull)


@pytest.mark.pg
def test_database_down_is_503_with_retry_after(tmp_path: Any) -> None:
    from tests.support.pg import start_cluster
    from tests.support.server import running_server

    cluster = start_cluster()
    try:
        with running_server(
            tmp_path, cluster.create_database(), units_under="662", in_process=True
        ) as srv:
            cluster.stop()  # the database goes away under a running server
            for path in ("/units", "/sync/pull"):
                r = httpx.get(srv.api + path, headers={"Authorization": "Bearer some-token"})
                assert r.status_code == 503, r.text
                assert error_code(r) == "unavailable" and int(r.headers["Retry-After"]) > 0
            assert httpx.get(srv.api + "/health").status_code == 200
    finally:
        cluster.stop()


def test_docs_work_without_internet(live_server: Any) -> None:
    page = httpx.get(live_server.url + "/docs")
    assert page.status_code == 200
    assert "/docs-static/swagger-ui-bundle.js" in page.text
    assert "cdn." not in page.text and "https://" not in page.text  # nothing fetched from a CDN
    js = httpx.get(live_server.url + "/docs-static/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    spec = httpx.get(live_server.api + "/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


@pytest.mark.parametrize("path", ["/forms", "/units"])
def test_reference_lists_answer_304_when_unchanged(live_server: Any, path: str) -> None:
    """ETag / If-None-Match on the lists a device asks for at every sync (a 3G round trip with no
    body instead of the list again)."""
    c, _ = client(live_server, "officer")
    first = c.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"') and first.json()
    assert "private" in first.headers["Cache-Control"]
    again = c.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    # A list of tags, the strong form of the weak tag, and * match too (RFC 9110 §13.1.2).
    for header in (f'"other", {etag}', etag.removeprefix("W/"), "*"):
        assert c.get(path, headers={"If-None-Match": header}).status_code == 304
    stale = c.get(path, headers={"If-None-Match": 'W/"0000"'})
    assert stale.status_code == 200 and stale.json() == first.json()
    assert stale.headers["ETag"] == etag


def test_units_etag_is_per_scope(live_server: Any) -> None:
    """Another scope's list is another list: its tag never answers 304 for this one."""
    officer, _ = client(live_server, "officer")
    district, _ = client(live_server, "district")
    mine = officer.get("/units").headers["ETag"]
    theirs = district.get("/units")
    assert theirs.headers["ETag"] != mine
    assert district.get("/units", headers={"If-None-Match": mine}).status_code == 200
