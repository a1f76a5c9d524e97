"""Issue 19: reports across the 2025 reform, on SQLite and PostgreSQL. Xã Ea Pô and Xã Đắk Wil
become one Xã Đắk Wil: its summary and downloads hold both old communes' records, the figures add
up, ``grouping=before_2025`` reads them per old commune and per old district as they were, and a
plan of Huyện Cư Jút made before the move keeps its old communes and frozen reports."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from tests.conftest import PASSWORD
from tests.reform.scenario import (
    CU_JUT,
    DAK_WIL,
    DAK_WIL_OLD,
    EA_PO,
    EA_TLING,
    LAM_DONG,
    World,
    reform,
    reformed_world,
    summary,
)
from tests.server.helpers import change, client, error_code, push
from tests.server.test_admin_roles import WebSession
from tests.support.records import record_fields
from tests.support.server import add_user

_FIGURES = ("unit", "report")


def figures(child: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in child.items() if k not in _FIGURES}


def _statuses(w: World, username: str) -> dict[str, tuple[str, str]]:
    r = w.api(username).get(f"/plans/{w.plan_id}/reports")
    assert r.status_code == 200, r.text
    return {e["unit"]["code"]: (e["unit"]["name"], e["status"]) for e in r.json()}


def test_summaries_and_exports_across_the_move(tmp_path: Path, database_url: str | None) -> None:
    with reformed_world(tmp_path, database_url, before=True) as w:
        district = w.api("district")
        was = {code: summary(district, code)["totals"] for code in (EA_PO, DAK_WIL_OLD, CU_JUT)}
        frozen = w.api("district").get(f"/plans/{w.plan_id}/reports/{EA_PO}").json()
        assert was[EA_PO]["participants"] == 10 and was[DAK_WIL_OLD]["participants"] == 5

        reform(w.srv)
        add_user(w.srv, "lam_dong", "district_staff", LAM_DONG, PASSWORD)
        district = w.api("district")  # bound now to the three new communes

        # The new commune holds both old communes' records: the figures add up.
        now = summary(district, DAK_WIL)
        assert now.keys() == {"unit", "plan", "totals", "own", "children"}
        t = now["totals"]
        for key in ("participants", "households", "visits", "evidence"):
            assert t[key] == was[EA_PO][key] + was[DAK_WIL_OLD][key], key
        assert t["contributions"]["state_budget_vnd"] == 1_250_000
        assert sum(t["models"]["by_status"].values()) == 2
        assert {c["unit"]["name"] for c in now["children"]} == {"Buôn Trum", "Thôn 3"}

        # The old grouping: one child per old commune, with the figures it had.
        old = summary(district, DAK_WIL, grouping="before_2025")
        assert old["grouping"] == "before_2025" and old["totals"] == t
        kids = {c["unit"]["code"]: c for c in old["children"]}
        assert set(kids) == {EA_PO, DAK_WIL_OLD}
        assert kids[EA_PO]["unit"] == {"code": EA_PO, "name": "Xã Ea Pô", "level": "commune"}
        assert kids[DAK_WIL_OLD]["unit"]["name"] == "Xã Đắk Wil"
        assert figures(kids[EA_PO]) == was[EA_PO]
        assert figures(kids[DAK_WIL_OLD]) == was[DAK_WIL_OLD]
        assert [d["unit"]["name"] for d in old["districts"]] == ["Huyện Cư Jút"]

        # A province: per old commune, the district's own records, and per old district.
        lam_dong = w.api("lam_dong")
        province = summary(lam_dong, LAM_DONG, grouping="before_2025")
        assert province["totals"] == summary(lam_dong, LAM_DONG)["totals"]
        kids = {c["unit"]["code"]: c for c in province["children"]}
        assert set(kids) == {CU_JUT, EA_PO, DAK_WIL_OLD, EA_TLING}
        assert kids[CU_JUT]["unit"]["level"] == "district"
        (cu_jut,) = province["districts"]
        assert cu_jut["unit"] == {"code": CU_JUT, "name": "Huyện Cư Jút", "level": "district"}
        assert figures(cu_jut) == was[CU_JUT]

        r = district.get("/reports/summary", params={"unit": DAK_WIL, "grouping": "nope"})
        assert r.status_code == 400 and error_code(r) == "invalid_request"

        # Downloads of the new commune carry both old communes' records with their old codes.
        r = district.get("/exports/records.csv.zip", params={"unit": DAK_WIL})
        assert r.status_code == 200, r.text
        with zipfile.ZipFile(io.BytesIO(r.content)) as z:
            rows = list(csv.DictReader(io.StringIO(z.read("model.csv").decode("utf-8-sig"))))
        before = {row["record_id"]: row["unit_before_2025"] for row in rows}
        assert before == {w.models[EA_PO]: EA_PO, w.models[DAK_WIL_OLD]: DAK_WIL_OLD}
        assert {row["unit"] for row in rows} == {DAK_WIL}

        # The plan of Huyện Cư Jút keeps its old communes and frozen figures.
        statuses = _statuses(w, "district")
        assert statuses[EA_PO] == ("Xã Ea Pô", "on_time")
        assert statuses[DAK_WIL_OLD] == ("Xã Đắk Wil", "missing")
        assert len(statuses) == 8  # Cư Jút's eight communes of 30 June 2025
        assert _statuses(w, "commune_wil") == {
            EA_PO: ("Xã Ea Pô", "on_time"),
            DAK_WIL_OLD: ("Xã Đắk Wil", "missing"),
        }
        assert w.api("district").get(f"/plans/{w.plan_id}/reports/{EA_PO}").json() == frozen
        with_plan = summary(district, DAK_WIL, plan=w.plan_id, grouping="before_2025")
        reports = {c["unit"]["code"]: c["report"] for c in with_plan["children"]}
        assert reports[EA_PO]["status"] == "on_time" and reports[DAK_WIL_OLD]["status"] == "missing"

        # Today's communes of the province carry no old commune's report (24646 is Ea Pô's old
        # code and Đắk Wil's new one).
        by_new = summary(lam_dong, LAM_DONG, plan=w.plan_id)
        assert {c["unit"]["code"]: c["report"] for c in by_new["children"]}[DAK_WIL] is None
        assert district.get(f"/plans/{w.plan_id}/reports/{DAK_WIL_OLD}").json() == []

        web = WebSession(w.srv, "district")
        report_page = web.get(f"/web/plans/{w.plan_id}/reports/{EA_PO}")
        assert report_page.status_code == 200 and "Xã Ea Pô" in report_page.text
        page = web.get(f"/web/plans/{w.plan_id}").text
        row = page[page.index(f'data-unit="{EA_PO}"') :]
        row = row[: row.index("</tr>")]
        assert "Xã Ea Pô" in row and "on_time" in row

        # A model made after the move has no old unit: it counts apart, and in the totals.
        c, dev = client(w.srv, "officer_wil")
        area = change(dev, record_fields("residential_area", DAK_WIL, name="Thôn mới"))
        fields = record_fields(
            "model", DAK_WIL, residential_area=area["record_id"], participating_people=4
        )
        assert {r["status"] for r in push(c, dev, [area, change(dev, fields, entity="model")])} == {
            "applied"
        }
        old = summary(district, DAK_WIL, grouping="before_2025")
        after = old["children"][-1]
        assert after["unit"] == {"code": "", "name": "", "level": "after_2025"}
        assert after["participants"] == 4 and old["totals"]["participants"] == 19
