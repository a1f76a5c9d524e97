"""Forms and units on a slow link, against a real server and the device's real store: the lists
are asked for with their ``ETag`` (``304`` when unchanged), and a form version whose hash matches
the one bundled with the app is taken from the bundle instead of fetched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from mobile.core.device import Device
from mobile.core.forms import FORMS_ETAG
from shared_schema.forms import FormSet
from tests.mobile.live import PW, login_device
from tests.mobile.test_uploads_live import of, sent, srv
from tests.support import server as support

__all__ = ["sent", "srv"]  # the fixtures, shared with the upload tests


def _forms_of(dev: Device) -> dict[tuple[str, int], str]:
    rows = dev.store.conn.execute("SELECT form_id, version, sha256 FROM forms")
    return {(r[0], r[1]): r[2] for r in rows}


def test_forms_come_from_the_bundle_and_are_not_refetched_when_unchanged(
    srv: Any, tmp_path: Path, sent: Any
) -> None:
    dev = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    report = dev.sync()
    listed = {(f["form_id"], f["version"]): f["sha256"] for f in _server_forms(srv)}
    assert report.forms_added == len(listed) and _forms_of(dev) == listed
    # The server's definitions and the bundled ones with the same hash are the same JSON.
    token = dev.store.get_state("token")
    for form_id, version in listed:
        served = httpx.get(
            f"{srv.api}/forms/{form_id}/{version}", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert dev.forms.get(form_id, version).model_dump(mode="json") == served
    assert [(e[1], e[2]) for e in of(sent, "GET", "/forms")] == [("/forms", 200)]
    assert dev.store.get_state(FORMS_ETAG)
    units = [u["code"] for u in dev.units()]
    sent.clear()
    report = dev.sync()
    assert report.forms_added == 0
    assert sorted((e[1], e[2]) for e in of(sent, "GET") if e[1] in ("/forms", "/units")) == [
        ("/forms", 304),
        ("/units", 304),
    ]
    assert not [e for e in of(sent, "GET", "/forms/")], "no form fetched"
    assert [u["code"] for u in dev.units()] == units
    # The units' tree is kept with them (issue 19: the app words a unit field by it).
    assert dev.units_tree() == "legacy"
    dev.close()


def test_forms_are_refetched_when_the_list_changed(srv: Any, tmp_path: Path, sent: Any) -> None:
    """The server's list changed since the device's copy (its ETag is another): a version the
    device lacks and cannot take from its bundle is fetched, and only that one."""
    dev = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    dev.sync()
    listed = _forms_of(dev)
    gone = sorted(listed)[0]
    with dev.store.transaction():
        dev.store.conn.execute("DELETE FROM forms WHERE form_id = ? AND version = ?", gone)
        dev.store.set_state(FORMS_ETAG, 'W/"a-list-of-last-month"')
    dev.forms.__dict__["bundled"] = FormSet([])  # an app built before that version existed
    dev.forms._cache.clear()
    sent.clear()
    report = dev.sync()
    assert report.forms_added == 1
    assert [(e[1], e[2]) for e in of(sent, "GET", "/forms")] == [
        ("/forms", 200),
        (f"/forms/{gone[0]}/{gone[1]}", 200),
    ]
    assert _forms_of(dev) == listed
    assert dev.store.get_state(FORMS_ETAG) != 'W/"a-list-of-last-month"'
    dev.close()


def _server_forms(srv: Any) -> list[dict[str, Any]]:
    c = support.login(srv, "lan", PW, "inspector")
    try:
        return list(c.get("/forms").json())
    finally:
        c.close()


def test_a_device_of_form_set_v1_gets_v2_by_the_etag(srv: Any, tmp_path: Path, sent: Any) -> None:
    """Issue 20: an app built with v1 only, holding v1 and the list's ETag of then, gets v2 on its
    next sync (the list changed), makes new records on v2, and a v1 draft still finishes on v1."""
    from shared_schema.forms import load_default_forms

    dev = login_device(tmp_path / "a", srv.url, "lan", "dev-a")
    dev.sync()
    with dev.store.transaction():
        dev.store.conn.execute("DELETE FROM forms WHERE version = 2")
        dev.store.set_state(FORMS_ETAG, 'W/"form-set-v1"')
    v1_only = FormSet(f for f in load_default_forms() if f.version == 1)
    dev.forms.__dict__["bundled"] = v1_only
    dev.forms._cache.clear()
    assert dev.forms.latest("activity").version == 1
    draft = dev.records.create(
        "activity",
        {"kind": "commendation", "title": "Biểu dương", "date": "2019-12-01"},
        finalize=False,
    ).record_id
    sent.clear()
    report = dev.sync()
    assert report.forms_added == 6
    fetched = sorted(e[1] for e in of(sent, "GET", "/forms/"))
    assert fetched == sorted(f"/forms/{f.form_id}/2" for f in v1_only)
    assert dev.forms.latest("activity").version == 2
    dev.records.edit(draft, {"commendations": 4}, finalize=False)
    done = dev.records.finalize(draft)
    assert done.finalized, done.issues
    assert dev.records.get(draft).fields["form_version"] == 1
    dev.close()
