"""GET /reports/summary on a small Vietnamese dataset, through real HTTP."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import httpx
import pytest

from tests.server.helpers import change, client, error_code, new_id, push, put_file, record_fields

DAK_WIL, EA_TLING = "24643", "24640"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"


@pytest.fixture(scope="module")
def dataset(live_server: Any) -> dict[str, Any]:
    """Đắk Wil: two residential areas, three models, a visit, evidence (one file uploaded);
    Ea T'Ling: one area, one model, an initiative."""
    district, dev = client(live_server, "district")
    a1, a2, a3 = new_id(), new_id(), new_id()
    m1, m2, m3, m4 = new_id(), new_id(), new_id(), new_id()
    v1 = new_id()
    data = JPEG + os.urandom(1000 - len(JPEG))
    sha_up = hashlib.sha256(data).hexdigest()
    sha_missing = hashlib.sha256(b"not uploaded").hexdigest()
    changes = [
        change(dev, record_fields("residential_area", DAK_WIL, name="Thôn 3"), record_id=a1),
        change(
            dev,
            record_fields("residential_area", DAK_WIL, name="Buôn Trum", kind="buon"),
            record_id=a2,
        ),
        change(
            dev,
            record_fields("residential_area", EA_TLING, name="Tổ dân phố 2", kind="to_dan_pho"),
            record_id=a3,
        ),
        *(
            change(
                dev,
                record_fields(
                    "model",
                    unit,
                    residential_area=area,
                    content_area=content,
                    status=status,
                    participating_people=people,
                ),
                entity="model",
                record_id=rid,
            )
            for rid, unit, area, content, status, people in (
                (m1, DAK_WIL, a1, "2", "operating", 40),
                (m2, DAK_WIL, a1, "1", "replicated", 10),
                (m3, DAK_WIL, a2, "2", "building", 5),
                (m4, EA_TLING, a3, "3", "operating", 100),
            )
        ),
        change(dev, record_fields("visit", model=m1), entity="visit", record_id=v1),
        change(dev, record_fields("evidence", sha256=sha_up, visit=v1), entity="evidence"),
        change(dev, record_fields("evidence", sha256=sha_missing, model=m3), entity="evidence"),
        change(
            dev,
            record_fields(
                "initiative",
                EA_TLING,
                status="recognized",
                submitted_date="2022-10-01",
                decision_date="2022-12-01",
            ),
            entity="initiative",
        ),
        change(dev, record_fields("initiative"), entity="initiative"),
    ]
    results = push(district, dev, changes)
    assert all(r["status"] == "applied" for r in results), results
    assert put_file(district, data, "image/jpeg") == sha_up
    return {"areas": (a1, a2, a3)}


def test_district_summary_per_commune(live_server: Any, dataset: dict[str, Any]) -> None:
    c, _ = client(live_server, "district")
    body = c.get("/reports/summary", params={"unit": "662"}).json()
    assert body["unit"] == {"code": "662", "name": "Huyện Cư Jút", "level": "district"}
    assert body["plan"] is None
    kids = {ch["unit"]["code"]: ch for ch in body["children"]}
    assert len(kids) == 8 and all(ch["unit"]["level"] == "commune" for ch in kids.values())
    dw, et = kids[DAK_WIL], kids[EA_TLING]
    assert set(dw) == {
        "unit",
        "models",
        "participants",
        "households",
        "contributions",
        "results",
        "activities",
        "visits",
        "evidence",
        "evidence_missing",
        "initiatives",
        "visit_scores",
        "evidence_by_parent",
        "report",
    }
    assert set(body["totals"]) == set(dw) - {"unit", "report"}
    # Other modules share this server: compare what this dataset adds, commune against commune.
    assert dw["models"]["by_content_area"]["1"] >= 1 and dw["models"]["by_status"]["building"] >= 1
    assert (
        et["models"]["by_content_area"]["3"] >= 1
        and et["initiatives"]["by_status"]["recognized"] >= 1
    )
    assert set(dw["models"]["by_content_area"]) == {"1", "2", "3", "4", "5"}
    assert set(dw["models"]["by_status"]) == {"building", "operating", "replicated", "stopped"}
    assert et["participants"] >= 100 and dw["participants"] >= 55
    assert dw["evidence"] >= 2 and dw["evidence_missing"] >= 1
    t = body["totals"]
    for key in ("participants", "visits", "evidence", "evidence_missing"):
        assert t[key] == sum(ch[key] for ch in kids.values())
    for area in "12345":
        assert t["models"]["by_content_area"][area] == sum(
            ch["models"]["by_content_area"][area] for ch in kids.values()
        )


def test_commune_summary_per_residential_area(live_server: Any, dataset: dict[str, Any]) -> None:
    c, _ = client(live_server, "commune")
    body = c.get("/reports/summary", params={"unit": DAK_WIL}).json()
    a1, a2, a3 = dataset["areas"]
    kids = {ch["unit"]["code"]: ch for ch in body["children"]}
    assert a3 not in kids
    assert kids[a1]["unit"] == {"code": a1, "name": "Thôn 3", "level": "residential_area"}
    one, two = kids[a1], kids[a2]
    assert one["models"]["by_content_area"] == {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0}
    assert (
        one["models"]["by_status"]["operating"] == 1
        and one["models"]["by_status"]["replicated"] == 1
    )
    assert one["participants"] == 50 and one["visits"] == 1
    assert (one["evidence"], one["evidence_missing"]) == (1, 0)  # via the visit; its file arrived
    assert (two["evidence"], two["evidence_missing"]) == (1, 1)  # via the model; no file yet
    assert two["models"]["by_status"]["building"] == 1 and two["report"] is None
    # Initiatives belong to the commune: in the totals, not under an area.
    assert body["totals"]["initiatives"]["by_status"]["proposed"] >= 1
    assert all(sum(ch["initiatives"]["by_status"].values()) == 0 for ch in body["children"])


@pytest.mark.parametrize(
    ("user", "unit", "status", "code"),
    [
        ("officer", EA_TLING, 404, "not_found"),  # another commune
        ("officer", "662", 404, "not_found"),  # a parent of the caller's own unit
        ("district", "67", 404, "not_found"),
        ("district", "99999", 404, "not_found"),
        ("district", "", 400, "invalid_request"),
    ],
)
def test_summary_scope_and_errors(
    live_server: Any, user: str, unit: str, status: int, code: str
) -> None:
    c, _ = client(live_server, user)
    r = c.get("/reports/summary", params={"unit": unit})
    assert r.status_code == status and error_code(r) == code


def test_summary_needs_unit_and_known_plan(live_server: Any) -> None:
    c, _ = client(live_server, "district")
    r = c.get("/reports/summary")
    assert r.status_code == 400 and error_code(r) == "invalid_request"
    r = c.get("/reports/summary", params={"unit": "662", "plan": "44/KH-MTTQ-BTT"})
    assert r.status_code == 404 and error_code(r) == "not_found"
    assert httpx.get(live_server.api + "/reports/summary?unit=662").status_code == 401


# ---------------------------------------------------------------------------- the fuller summary
EA_PO, NAM_DONG = "24646", "24649"


def _model(
    unit: str, area: str, content: str, status: str, people: int, **extra: Any
) -> dict[str, Any]:
    return record_fields(
        "model",
        unit,
        residential_area=area,
        content_area=content,
        status=status,
        participating_people=people,
        **extra,
    )


def _visit(unit: str, model: str) -> dict[str, Any]:
    return record_fields("visit", unit, model=model)


def _evidence(
    unit: str, sha: str, *, visit: str | None = None, model: str | None = None
) -> dict[str, Any]:
    refs = {k: v for k, v in (("visit", visit), ("model", model)) if v}
    return record_fields("evidence", unit, sha256=sha, **refs)


def _activity(unit: str, kind: str, day: str, **extra: Any) -> dict[str, Any]:
    return {
        "unit": unit,
        "form_id": "dkst_activity",
        "form_version": 1,
        "kind": kind,
        "title": "Hội nghị biểu dương điển hình tiên tiến",
        "date": day,
        **extra,
    }


@pytest.fixture(scope="module")
def ea_po(live_server: Any) -> dict[str, Any]:
    """Xã Ea Pô: two models with organizations, campaigns, contributions and results (one
    started in 2021, one in 2023), a visit of each, a bulletin, a commendation and a conference."""
    district, dev = client(live_server, "district")
    area, m1, m2, v1, v2 = new_id(), new_id(), new_id(), new_id(), new_id()
    money = {
        "participating_households": 30,
        "state_budget_vnd": 50_000_000,
        "people_contribution_vnd": 120_000_000,
        "labour_days": 400,
        "economic_value_vnd_per_year": 900_000_000,
        "households_out_of_poverty": 6,
    }
    changes = [
        change(dev, record_fields("residential_area", EA_PO, name="Thôn 1"), record_id=area),
        change(
            dev,
            _model(EA_PO, area, "2", "operating", 70, **money)
            | {
                "lead_organization": "farmers_union",
                "linked_campaigns": ["new_rural_civilized_urban", "cultural_life"],
                "start_date": "2021-03-01",
            },
            entity="model",
            record_id=m1,
        ),
        change(
            dev,
            _model(EA_PO, area, "3", "building", 12)
            | {
                "lead_organization": "womens_union",
                "linked_campaigns": ["cultural_life"],
                "start_date": "2023-06-01",
                "participating_households": 4,
            },
            entity="model",
            record_id=m2,
        ),
        change(dev, _visit(EA_PO, m1) | {"visit_date": "2022-06-01"}, entity="visit", record_id=v1),
        change(dev, _visit(EA_PO, m2) | {"visit_date": "2023-07-01"}, entity="visit", record_id=v2),
        change(dev, _evidence(EA_PO, "a" * 64, visit=v1), entity="evidence"),
        change(dev, _evidence(EA_PO, "b" * 64, visit=v2), entity="evidence"),
        change(
            dev,
            _activity(EA_PO, "bulletin", "2022-07-01", bulletins_printed=8400),
            entity="activity",
        ),
        change(
            dev,
            _activity(EA_PO, "commendation", "2023-01-05", commendations=3),
            entity="activity",
        ),
        change(dev, _activity(EA_PO, "conference", "2022-08-01", attendees=140), entity="activity"),
    ]
    results = push(district, dev, changes)
    assert all(r["status"] == "applied" for r in results), results
    return {"area": area, "models": (m1, m2), "device": dev, "client": district}


def test_fuller_figures_of_a_commune(live_server: Any, ea_po: dict[str, Any]) -> None:
    c, _ = client(live_server, "district")
    body = c.get("/reports/summary", params={"unit": "662"}).json()
    assert body["own"] is not None and body["plan"] is None
    po = next(ch for ch in body["children"] if ch["unit"]["code"] == EA_PO)
    models = po["models"]
    assert models["by_content_area"] == {"1": 0, "2": 1, "3": 1, "4": 0, "5": 0}
    assert models["by_organization"] == {
        "mttq": 0,
        "farmers_union": 1,
        "womens_union": 1,
        "youth_union": 0,
        "veterans_association": 0,
        "trade_union": 0,
        "religious_organization": 0,  # form set v2's choices are keys too
        "other": 0,
    }
    assert models["by_campaign"] == {
        "new_rural_civilized_urban": 1,
        "prefer_vietnamese_goods": 0,
        "cultural_life": 2,
        "covid_dual_goal": 0,
        "green_clean_beautiful": 0,
        "sustainable_poverty_reduction": 0,
        "anti_corruption": 0,
        "other": 0,
    }
    assert (po["participants"], po["households"]) == (82, 34)
    assert po["contributions"] == {
        "state_budget_vnd": 50_000_000,
        "people_contribution_vnd": 120_000_000,
        "labour_days": 400,
    }
    assert po["results"] == {
        "economic_value_vnd_per_year": 900_000_000,
        "households_out_of_poverty": 6,
    }
    assert (po["visits"], po["evidence"], po["evidence_missing"]) == (2, 2, 2)
    assert po["activities"]["by_kind"] == {
        "conference": 1,
        "talk": 0,
        "bulletin": 1,
        "commendation": 1,
        **dict.fromkeys(("contest", "web", "facebook", "radio", "loudspeaker"), 0),
        "other": 0,
    }
    assert (
        po["activities"]["attendees"],
        po["activities"]["bulletins_printed"],
        po["activities"]["commendations"],
    ) == (140, 8400, 3)
    # Every choice is a key in every child, the totals and the unit's own figures.
    nam_dong = next(ch for ch in body["children"] if ch["unit"]["code"] == NAM_DONG)
    for figures in (nam_dong, body["totals"], body["own"]):
        assert set(figures["models"]["by_organization"]) == set(models["by_organization"])
        assert set(figures["activities"]["by_kind"]) == set(po["activities"]["by_kind"])
        assert set(figures["initiatives"]["by_status"]) == {
            "proposed",
            "submitted",
            "recognized",
            "not_recognized",
        }
    assert nam_dong["activities"]["attendees"] == 0 and nam_dong["households"] == 0
    # The commune's own view: its residential area carries the models; activities in totals.
    commune = c.get("/reports/summary", params={"unit": EA_PO}).json()
    assert commune["own"] is None
    (area,) = commune["children"]
    assert area["unit"]["code"] == ea_po["area"] and area["participants"] == 82
    assert (
        area["activities"]["attendees"] == 0 and commune["totals"]["activities"]["attendees"] == 140
    )


def test_a_plan_counts_its_period_only(live_server: Any, ea_po: dict[str, Any]) -> None:
    c, _ = client(live_server, "district")
    plan = c.post(
        "/plans",
        json={
            "number": f"{new_id()[:6]}/KH-MTTQ",
            "title": {"vi": "Báo cáo năm 2022", "en": "Report 2022"},
            "unit": "662",
            "issued_on": "2022-01-05",
            "period": {"from": "2022-01-01", "to": "2022-12-31"},
            "deadline": "2023-01-20",
        },
    ).json()
    body = c.get("/reports/summary", params={"unit": EA_PO, "plan": plan["plan_id"]}).json()
    t = body["totals"]
    # The 2021 model (started before the end), not the 2023 one; the 2022 visit and its evidence.
    assert t["models"]["by_content_area"]["2"] == 1 and t["models"]["by_content_area"]["3"] == 0
    assert (t["participants"], t["visits"], t["evidence"]) == (70, 1, 1)
    assert t["activities"]["by_kind"]["commendation"] == 0  # dated 2023
    assert (t["activities"]["bulletins_printed"], t["activities"]["attendees"]) == (8400, 140)
    assert [ch["unit"]["code"] for ch in body["children"]] == [ea_po["area"]]  # areas always
    assert body["plan"]["plan_id"] == plan["plan_id"] and body["children"][0]["report"] is None
    district = c.get("/reports/summary", params={"unit": "662", "plan": plan["plan_id"]}).json()
    po = next(ch for ch in district["children"] if ch["unit"]["code"] == EA_PO)
    assert po["models"] == body["totals"]["models"] and po["visits"] == 1
    assert po["report"] == {"status": "missing", "submitted_at": None}


def test_edits_and_deletes_move_the_figures(live_server: Any, ea_po: dict[str, Any]) -> None:
    c, dev = ea_po["client"], ea_po["device"]
    m1, _m2 = ea_po["models"]

    def po() -> dict[str, Any]:
        body = c.get("/reports/summary", params={"unit": "662"}).json()
        found: dict[str, Any] = next(ch for ch in body["children"] if ch["unit"]["code"] == EA_PO)
        return found

    before = po()
    r = push(
        c,
        dev,
        [
            change(
                dev,
                {"status": "replicated", "participating_people": 75},
                entity="model",
                record_id=m1,
                base_rev=1,
            )
        ],
    )
    assert r[0]["status"] == "applied", r
    after = po()
    assert (
        after["models"]["by_status"]["operating"] == before["models"]["by_status"]["operating"] - 1
    )
    assert (
        after["models"]["by_status"]["replicated"]
        == before["models"]["by_status"]["replicated"] + 1
    )
    assert after["participants"] == before["participants"] + 5
    r = push(c, dev, [change(dev, None, entity="model", record_id=m1, op="delete", base_rev=2)])
    assert r[0]["status"] == "applied", r
    gone = po()
    assert gone["models"]["by_content_area"]["2"] == 0 and gone["participants"] == 12
    assert gone["contributions"]["labour_days"] == 0 and gone["households"] == 4


def test_kept_sums_agree_with_a_recount(live_server: Any, ea_po: dict[str, Any]) -> None:
    """The sums kept on write equal every stored record recounted (``tests/support/recount.py``)."""
    from tests.support.recount import assert_kept_sums_agree

    assert_kept_sums_agree(live_server, ("662", "67"))


def test_own_records_of_a_district(live_server: Any) -> None:
    """A district's own model counts in ``own`` and ``totals``, in no child (written through the
    store: push-side validation of district records is the lead's, in flight)."""
    from server.db.engine import make_engine, write_tx
    from server.store import facts

    engine = make_engine(live_server.settings().db_url)
    model = _model("662", "", "4", "operating", 25) | {"lead_organization": "veterans_association"}
    del model["residential_area"]
    try:
        with write_tx(engine) as conn:
            facts.upsert(
                conn,
                [
                    {
                        "record_id": new_id(),
                        "entity": "model",
                        "unit": "662",
                        "fields": model,
                        "deleted": False,
                    }
                ],
            )
    finally:
        engine.dispose()
    c, _ = client(live_server, "admin")
    body = c.get("/reports/summary", params={"unit": "662"}).json()
    assert body["own"]["models"]["by_content_area"]["4"] == 1
    assert body["own"]["models"]["by_organization"]["veterans_association"] == 1
    assert body["own"]["participants"] == 25 and body["own"]["visits"] == 0
    assert body["totals"]["models"]["by_content_area"]["4"] == 1
    assert all(ch["models"]["by_content_area"]["4"] == 0 for ch in body["children"])
    province = c.get("/reports/summary", params={"unit": "67"}).json()
    cu_jut = next(ch for ch in province["children"] if ch["unit"]["code"] == "662")
    assert cu_jut["models"]["by_content_area"]["4"] == 1 and province["own"]["participants"] == 0
