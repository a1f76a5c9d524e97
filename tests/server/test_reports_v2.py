"""Issue 20: form set v2's figures, and the three the summary left out (productivity gain,
recommendation, the visits' scores), through real HTTP on SQLite and PostgreSQL; v1 and v2 records
side by side; the kept sums against a recount, with and without a plan."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.helpers import change, client, new_id, push, record_fields
from tests.support.recount import assert_kept_sums_agree

DAK_WIL = "24643"


def _v2(entity: str, **fields: Any) -> dict[str, Any]:
    return record_fields(entity, DAK_WIL, **fields) | {"form_version": 2}


@pytest.fixture(scope="module")
def v2_data(live_server: Any) -> dict[str, Any]:
    """Đắk Wil: a v2 model (groups, productivity, results, a religious organization, a local
    campaign) and a v1 one (productivity, recommendation); a v1 and a v2 visit with scores; two
    initiatives applied (2021, 2022) and one not; a contest, a Facebook post; evidence of an
    initiative's dossier and of an activity."""
    c, dev = client(live_server, "district")
    area, m1, m2, ini1, act1 = new_id(), new_id(), new_id(), new_id(), new_id()
    model = {"residential_area": area, "content_area": "2", "status": "operating"}
    changes = [
        change(dev, _v2("residential_area", name="Thôn 3"), record_id=area),
        change(
            dev,
            _v2(
                "model",
                **model,
                start_date="2022-03-01",
                participating_people=40,
                party_members=5,
                youth_students=10,
                religious_followers=3,
                ethnic_minority=7,
                productivity_gain_pct=12.5,
                recommendation="replicate",
                lead_organization="religious_organization",
                linked_campaigns=["green_clean_beautiful", "other"],
                other_campaign="Ngày Chủ nhật xanh",
                results="Đường làng sạch, đẹp",
                shortcomings="Một số nơi còn lúng túng",
            ),
            entity="model",
            record_id=m1,
        ),
        change(
            dev,
            record_fields(
                "model", DAK_WIL, **model, productivity_gain_pct=7.5, recommendation="commend"
            ),
            entity="model",
            record_id=m2,
        ),
        change(
            dev,
            record_fields(
                "visit",
                DAK_WIL,
                model=m1,
                visit_date="2022-06-01",
                score_effectiveness=5,
                score_creativity=4,
            ),
            entity="visit",
        ),
        change(
            dev,
            _v2("visit", model=m2, visit_date="2022-07-01", score_effectiveness=2),
            entity="visit",
        ),
        change(
            dev,
            _v2("initiative", status="submitted", submitted_date="2022-05-01")
            | {"applied": "yes", "applied_year": 2021},
            entity="initiative",
            record_id=ini1,
        ),
        change(
            dev,
            _v2("initiative", status="proposed", applied="yes", applied_year=2022),
            entity="initiative",
        ),
        change(dev, _v2("initiative", status="proposed", applied="no"), entity="initiative"),
        change(
            dev,
            _v2(
                "activity",
                kind="contest",
                title="Hội thi “Tay nghề giỏi”",
                date="2019-11-20",
                contest_entrants=40,
                commended_collectives=2,
                commended_individuals=5,
                commendation_date="2019-12-01",
                party_members=3,
                shortcomings="Còn ít người dự thi",
            ),
            entity="activity",
            record_id=act1,
        ),
        change(
            dev,
            _v2(
                "activity",
                kind="facebook",
                title="Tin trên Facebook",
                date="2022-08-01",
                broadcasts=12,
            ),
            entity="activity",
        ),
        change(
            dev,
            _v2("evidence", sha256="c" * 64, initiative=ini1, kind="document")
            | {"media_type": "application/pdf"},
            entity="evidence",
        ),
        change(dev, _v2("evidence", sha256="d" * 64, activity=act1), entity="evidence"),
    ]
    results = push(c, dev, changes)
    assert all(r["status"] == "applied" for r in results), results
    return {"area": area, "client": c}


def test_every_new_figure_in_the_commune_summary(live_server: Any, v2_data: dict[str, Any]) -> None:
    c = v2_data["client"]
    body = c.get("/reports/summary", params={"unit": DAK_WIL}).json()
    t = body["totals"]
    models = t["models"]
    assert models["by_organization"]["religious_organization"] == 1
    assert models["by_campaign"]["green_clean_beautiful"] == 1
    assert models["by_campaign"]["other"] == 1
    assert models["by_recommendation"] == {"replicate": 1, "commend": 1, "needs_support": 0}
    assert models["productivity_gain"] == {"models": 2, "average_pct": 10.0}
    assert models["participants_by_group"] == {
        "party_members": 5,
        "youth_students": 10,
        "religious_followers": 3,
        "ethnic_minority": 7,
    }
    assert (models["with_results"], models["with_shortcomings"]) == (1, 1)
    assert t["visit_scores"]["effectiveness"] == {"visits": 2, "average": 3.5}
    assert t["visit_scores"]["creativity"] == {"visits": 1, "average": 4.0}
    assert t["visit_scores"]["sustainability"] == {"visits": 0, "average": None}
    assert t["initiatives"]["applied"] == 2
    assert t["initiatives"]["applied_by_year"] == {"2021": 1, "2022": 1}
    a = t["activities"]
    assert a["by_kind"]["contest"] == 1 and a["by_kind"]["facebook"] == 1
    assert (a["commended_collectives"], a["commended_individuals"]) == (2, 5)
    assert a["commendations"] == 7  # v2's collectives and individuals, as v1's one count
    assert (a["contest_entrants"], a["broadcasts"]) == (40, 12)
    assert a["participants_by_group"]["party_members"] == 3
    assert (a["with_results"], a["with_shortcomings"]) == (0, 1)
    assert t["evidence_by_parent"] == {"visit": 0, "model": 0, "initiative": 1, "activity": 1}
    assert (t["evidence"], t["evidence_missing"]) == (2, 2)
    # The residential area carries its models and visits; initiatives, activities and their
    # evidence count for the commune only.
    (area,) = body["children"]
    assert area["unit"]["code"] == v2_data["area"]
    assert area["models"]["productivity_gain"]["models"] == 2
    assert area["visit_scores"]["effectiveness"]["visits"] == 2
    assert area["evidence_by_parent"]["initiative"] == 0 and area["activities"]["broadcasts"] == 0


def test_the_district_and_province_add_them_up(live_server: Any, v2_data: dict[str, Any]) -> None:
    c = v2_data["client"]
    district = c.get("/reports/summary", params={"unit": "662"}).json()
    commune = c.get("/reports/summary", params={"unit": DAK_WIL}).json()["totals"]
    wil = next(ch for ch in district["children"] if ch["unit"]["code"] == DAK_WIL)
    assert {k: v for k, v in wil.items() if k not in ("unit", "report")} == commune
    assert_kept_sums_agree(live_server, ("662", "67"))


def test_a_plan_counts_evidence_with_its_initiative_or_activity(
    live_server: Any, v2_data: dict[str, Any]
) -> None:
    c = v2_data["client"]
    plan = c.post(
        "/plans",
        json={
            "number": f"{new_id()[:6]}/KH-MTTQ",
            "title": {"vi": "Năm 2022"},
            "unit": "662",
            "issued_on": "2022-01-05",
            "period": {"from": "2022-01-01", "to": "2022-12-31"},
            "deadline": "2023-01-20",
        },
    ).json()
    t = c.get("/reports/summary", params={"unit": DAK_WIL, "plan": plan["plan_id"]}).json()
    t = t["totals"]
    # The initiative was submitted in 2022: its dossier counts; the 2019 contest's photo does not.
    assert t["evidence_by_parent"] == {"visit": 0, "model": 0, "initiative": 1, "activity": 0}
    assert t["activities"]["by_kind"]["contest"] == 0 and t["activities"]["broadcasts"] == 12
    assert t["initiatives"]["applied"] == 1  # the one submitted in the period
    assert_kept_sums_agree(live_server, ("662",), plan)
