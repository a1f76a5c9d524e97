"""Issue 19: the reform's choices as staff check them on the web, "Sắp xếp đơn vị 2025 — cần kiểm
tra" (``server/web/pages/reform.py``, ``server/services/reform_checks.py``), on SQLite and
PostgreSQL. Huyện Cư Jút's own model went to the new province; the district's staff (bound by the
reform to the three new communes its communes became) move it, with its visit, to Xã Cư Jút."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from tests.conftest import PASSWORD
from tests.reform.scenario import (
    CU_JUT,
    CU_JUT_NEW,
    EA_PO,
    LAM_DONG,
    MODELS,
    NAM_DONG,
    World,
    reformed_world,
    stored,
    summary,
)
from tests.server.helpers import change, client, pull_all, push, put_file
from tests.server.test_admin_roles import WebSession
from tests.support import server as support
from tests.support.records import record_fields


def _record(w: World, username: str, record_id: str) -> dict[str, Any]:
    records, _ = pull_all(w.api(username))
    return next(r for r in records if r["record_id"] == record_id)


def test_district_staff_move_a_district_record_to_a_new_commune(
    tmp_path: Path, database_url: str | None
) -> None:
    with reformed_world(tmp_path, database_url) as w:
        model, visit = w.models[CU_JUT], w.district_visit
        assert "choices for staff to check: 1" in w.reform_out, w.reform_out

        # A field officer may not see the page; commune staff see nothing of the district's.
        assert WebSession(w.srv, "officer_district").get("/web/reform").status_code == 403
        commune = WebSession(w.srv, "commune_wil")
        assert model not in commune.get("/web/reform").text
        assert 'id="nav-reform"' not in commune.get("/web/").text

        district = WebSession(w.srv, "district")
        home = district.get("/web/")
        assert 'id="nav-reform"' in home.text, "the menu links the page while choices are open"
        page = district.get("/web/reform")
        assert page.status_code == 200
        html = page.text
        assert "Sắp xếp đơn vị 2025 — cần kiểm tra" in html
        assert f'href="/web/records/{model}"' in html and "Quỹ khuyến học huyện" in html
        assert "Huyện Cư Jút" in html  # placed in Xã Cư Jút, its district town's new commune
        assert "Cấp huyện kết thúc" in html
        assert "Xã Cư Jút" in html and "Xã Nam Dong" in html and "Xã Đắk Wil" in html

        # No CSRF token: refused. A unit that is not one of its parts: 400, said in Vietnamese.
        no_csrf = district.http.post(f"/web/reform/{model}", data={"unit": CU_JUT_NEW})
        assert no_csrf.status_code == 403
        bad = district.post(f"/web/reform/{model}", unit="24652")
        assert bad.status_code == 400 and "Không thể chuyển hồ sơ đến đơn vị này" in bad.text
        # The province is not a part (nor within the district staff's units).
        assert district.post(f"/web/reform/{model}", unit=LAM_DONG).status_code == 400
        # A record that is not in the list, or out of scope: 404.
        assert district.post(f"/web/reform/{w.areas['24640']}", unit=CU_JUT_NEW).status_code == 404
        assert commune.post(f"/web/reform/{model}", unit=CU_JUT_NEW).status_code == 404
        assert stored(w.srv, model) == (CU_JUT_NEW, 2)  # nothing moved

        before_summary = summary(w.api("district"), NAM_DONG)["totals"]
        r = district.post(f"/web/reform/{model}", unit=NAM_DONG)
        assert r.status_code == 303 and r.headers["location"] == "/web/reform?done=reform_moved"

        # The model and its visit are on Xã Nam Dong, with a new rev; devices pull them.
        moved = _record(w, "officer_district", model)
        assert moved["fields"]["unit"] == NAM_DONG
        assert moved["fields"]["unit_before_2025"] == CU_JUT
        assert moved["rev"] == 3  # created, reformed, moved
        followed = _record(w, "officer_district", visit)
        assert followed["fields"]["unit"] == NAM_DONG and followed["rev"] == 3
        # Its figures count in the new commune's summary now.
        after = summary(w.api("district"), NAM_DONG)["totals"]
        people, _households, budget = MODELS[CU_JUT]
        assert after["participants"] == before_summary["participants"] + people
        assert (
            after["contributions"]["state_budget_vnd"]
            == before_summary["contributions"]["state_budget_vnd"] + budget
        )
        assert after["visits"] == before_summary["visits"] + 1
        # The history says so in words; the choice is checked, by whom.
        rec_page = district.get(f"/web/records/{model}").text
        assert "Sắp xếp đơn vị hành chính 2025" in rec_page
        listed = district.get("/web/reform").text
        assert "Đã kiểm tra: district" in listed
        assert 'id="nav-reform"' not in district.get("/web/").text

        # Confirming leaves the record where it is (no new rev).
        r = district.post(f"/web/reform/{model}", unit=NAM_DONG)
        assert r.headers["location"] == "/web/reform?done=reform_confirmed"
        assert _record(w, "officer_district", model)["rev"] == 3


def test_a_reformed_record_shows_its_old_unit_and_the_reform_in_its_history(
    tmp_path: Path, database_url: str | None
) -> None:
    with reformed_world(tmp_path, database_url) as w:
        commune = WebSession(w.srv, "commune_wil")  # Xã Đắk Wil (24646) after the reform
        html = commune.get(f"/web/records/{w.models[EA_PO]}").text
        assert "Trước 1/7/2025: <strong>Xã Ea Pô (24646)</strong>, Huyện Cư Jút" in html
        history = html[html.index('class="history') :]
        assert "Sắp xếp đơn vị hành chính 2025" in history
        assert "server:reform" not in history
        # The reform's change: the new unit by its new name, the old one by its old name; the
        # create, made before the move, names 24646 as it was then: Xã Ea Pô.
        assert "Đơn vị trước 1/7/2025</span>: Xã Ea Pô (24646)" in history
        assert history.count("Xã Ea Pô (24646)") == 2, history
        assert "Xã Đắk Wil (24646)" in history


def _photo() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (46, 125, 50)).save(buf, "PNG")
    return buf.getvalue()


def test_a_split_communes_area_moves_to_another_part_with_its_family(
    tmp_path: Path, database_url: str | None
) -> None:
    """Phường Cống Vị (00007, Quận Ba Đình) was split between Phường Ngọc Hà (00008, its
    default) and Phường Giảng Võ (00025): its staff move a residential area, its model, the
    model's visit and the visit's photo to the other part (who may read the file follows); staff of a neighbour that holds only the default may
    confirm it there, not move it."""
    cong_vi, default, other = "00007", "00008", "00025"
    with support.running_server(
        tmp_path, database_url, units_under=("001",), in_process=True
    ) as srv:
        support.add_users(
            srv,
            [
                ("officer", "field_officer", cong_vi),
                ("staff", "commune_staff", cong_vi),
                ("neighbour", "commune_staff", "00016"),  # Phường Ngọc Hà: → 00004, 00008
            ],
            PASSWORD,
        )
        c, dev = client(srv, "officer")
        area = change(dev, record_fields("residential_area", cong_vi, name="Tổ dân phố 5"))
        model = change(
            dev,
            record_fields("model", cong_vi, residential_area=area["record_id"]),
            entity="model",
        )
        visit = change(
            dev, record_fields("visit", cong_vi, model=model["record_id"]), entity="visit"
        )
        photo = _photo()
        sha = put_file(c, photo, "image/png")
        evidence = change(
            dev,
            record_fields(
                "evidence",
                cong_vi,
                visit=visit["record_id"],
                sha256=sha,
                media_type="image/png",
                size=len(photo),
            ),
            entity="evidence",
        )
        changes = [area, model, visit, evidence]
        assert {r["status"] for r in push(c, dev, changes)} == {"applied"}
        env = support.server_env(srv.data_dir, srv.database_url)
        support.dkst("units", "reform", "--data-dir", str(srv.data_dir), env=env)
        ids = [r["record_id"] for r in changes]
        assert [stored(srv, rid)[0] for rid in ids] == [default] * 4
        # The neighbour's scope holds the default part: the photo is theirs to see, until it moves.
        neighbour_api = client(srv, "neighbour")[0]
        assert neighbour_api.get(f"/attachments/{sha}").status_code == 200

        neighbour = WebSession(srv, "neighbour")
        html = neighbour.get("/web/reform").text
        assert "Xã bị chia cho nhiều xã mới" in html and "Tổ dân phố 5" in html
        assert neighbour.post(f"/web/reform/{ids[0]}", unit=other).status_code == 400

        staff = WebSession(srv, "staff")
        assert staff.post(f"/web/reform/{ids[0]}", unit="00004").status_code == 400
        r = staff.post(f"/web/reform/{ids[0]}", unit=other)
        assert r.headers["location"] == "/web/reform?done=reform_moved"
        assert [stored(srv, rid) for rid in ids] == [(other, 3)] * 4
        assert neighbour_api.get(f"/attachments/{sha}").status_code == 404  # the file followed
        assert client(srv, "staff")[0].get(f"/attachments/{sha}").status_code == 200
        records, _ = pull_all(client(srv, "staff")[0])
        assert {r["record_id"]: r["fields"]["unit_before_2025"] for r in records} == dict.fromkeys(
            ids, cong_vi
        )
