"""Demo records of form set "Đoàn kết sáng tạo v2" (issue 20), added to whatever units the demo
loads: beside the first residential area and model of the demo's own records, so that this stays
apart from the demo's map (``server/services/demo.py`` calls :func:`records` once).

Wording from the seeds: the contest "Tay nghề giỏi" and the commendation date of Bạc Liêu's plan
(001), the web and Facebook pages of Bắc Kạn's report (004), the shortcomings it names, the
members of 44/KH (002): party members, students, religions and ethnic groups.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

__all__ = ["records"]

_NS = uuid.UUID("0c7d2a55-6f1e-4b8e-9a43-2d1f5e8b7c20")

Record = tuple[str, str, dict[str, Any]]


def _id(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


def _first(wanted: Sequence[Record], entity: str) -> Record | None:
    return next((r for r in wanted if r[0] == entity), None)


def records(wanted: Sequence[Record]) -> list[Record]:
    """v2 records beside the first residential area and model of ``wanted`` (none without them),
    with fixed ids (running the demo twice adds nothing)."""
    area, model = _first(wanted, "residential_area"), _first(wanted, "model")
    if area is None or model is None:
        return []
    unit = area[2]["unit"]

    def base(entity: str) -> dict[str, Any]:
        return {"unit": unit, "form_id": f"dkst_{entity}", "form_version": 2}

    initiative, contest = _id("initiative-ung-dung"), _id("activity-hoi-thi")
    return [
        (
            "model",
            _id("model-xanh-sach-dep"),
            {
                **base("model"),
                "name": "Ngày Chủ nhật xanh - sạch - đẹp ở khu dân cư",
                "residential_area": area[1],
                "content_area": "1",
                "linked_campaigns": ["green_clean_beautiful", "other"],
                "other_campaign": "Phong trào “Ngày Chủ nhật xanh”",
                "lead_organization": "religious_organization",
                "start_date": "2022-03-06",
                "status": "operating",
                "participating_households": 80,
                "participating_people": 260,
                "party_members": 14,
                "youth_students": 65,
                "religious_followers": 90,
                "ethnic_minority": 40,
                "productivity_gain_pct": 15.5,
                "recommendation": "replicate",
                "results": "Đường làng sạch, đẹp; 100% hộ phân loại rác tại nguồn.",
                "shortcomings": "Việc triển khai ở một số nơi còn lúng túng, hiệu quả chưa cao.",
            },
        ),
        (
            "visit",
            _id("visit-v2"),
            {
                **base("visit"),
                "model": model[1],
                "visit_date": "2022-11-15",
                "officer_name": "Trần Văn Bình",
                "location": {"lat": 12.6919, "lon": 107.8840, "accuracy": 7.0, "altitude": None},
                "score_effectiveness": 4,
                "score_creativity": 5,
                "score_replicability": 4,
                "score_participation": 5,
                "score_sustainability": 3,
            },
        ),
        (
            "initiative",
            initiative,
            {
                **base("initiative"),
                "title": "Ứng dụng phần mềm quản lý hồ sơ một cửa",
                "authors": "Đoàn Thanh niên xã",
                "field": "administrative_reform",
                "status": "recognized",
                "submitted_date": "2022-06-01",
                "decision_date": "2022-09-01",
                "applied": "yes",
                "applied_year": 2022,
            },
        ),
        (
            "activity",
            contest,
            {
                **base("activity"),
                "kind": "contest",
                "title": "Hội thi “Tay nghề giỏi”, “Bàn tay vàng”",
                "date": "2022-11-20",
                "attendees": 200,
                "contest_entrants": 45,
                "commended_collectives": 3,
                "commended_individuals": 12,
                "commendation_date": "2022-12-01",
                "party_members": 20,
                "youth_students": 30,
                "results": "Phát hiện nhiều sáng kiến cải tiến kỹ thuật.",
            },
        ),
        (
            "activity",
            _id("activity-facebook"),
            {
                **base("activity"),
                "kind": "facebook",
                "title": "Tin bài trên trang web, facebook của Ủy ban MTTQ",
                "date": "2022-10-10",
                "broadcasts": 24,
            },
        ),
        (
            "activity",
            _id("activity-loa"),
            {
                **base("activity"),
                "kind": "loudspeaker",
                "title": "Tuyên truyền trên loa truyền thanh cơ sở",
                "date": "2022-10-12",
                "broadcasts": 30,
            },
        ),
        (
            "evidence",
            _id("evidence-ho-so-sang-kien"),
            {
                **base("evidence"),
                "initiative": initiative,
                "kind": "document",
                "sha256": "5" * 64,  # the dossier's PDF, not uploaded: counted as missing
                "media_type": "application/pdf",
                "size": 184_320,
                "caption": "Hồ sơ sáng kiến gửi Hội đồng",
            },
        ),
    ]
