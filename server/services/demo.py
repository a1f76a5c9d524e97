"""`dkst demo`: Cư Jút district (662) with its communes, one user per role and sample records.

The records go through the same push service as any device's changes, from the device
``demo-seed``, so they are validated and merged like real data and carry an audit trail.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine

from server import store
from server.config import ServerSettings
from server.db.engine import write_tx
from server.services import auth as auth_service
from server.services import demo_v2
from server.services.push import push
from server.services.units import import_units
from shared_schema.hlc import Clock

DISTRICT, PROVINCE = "662", "67"
DAK_WIL, EA_TLING = "24643", "24640"
SEED_DEVICE = "demo-seed"
# Fixed ids, so that running the demo twice adds nothing new.
_NS = uuid.UUID("5b8f3c1e-4a8e-4a57-9d57-6b1d0c2a7e11")

DEMO_USERS = (
    ("canbo.dakwil", "field_officer", DAK_WIL, "Cán bộ Mặt trận xã Đắk Wil"),
    ("mttq.dakwil", "commune_staff", DAK_WIL, "Ủy ban MTTQ xã Đắk Wil"),
    ("mttq.cujut", "district_staff", DISTRICT, "Ủy ban MTTQ huyện Cư Jút"),
    ("admin.daknong", "admin", PROVINCE, "Quản trị tỉnh Đắk Nông"),
)


def _id(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


def _records() -> list[tuple[str, str, dict[str, Any]]]:
    """(entity, record_id, fields) in creation order; Vietnamese text from the seeds."""

    def base(entity: str, unit: str) -> dict[str, Any]:
        return {"unit": unit, "form_id": f"dkst_{entity}", "form_version": 1}

    areas = [
        ("area-dakwil-thon3", DAK_WIL, "Thôn 3", "thon", 152, 610),
        ("area-dakwil-buon-trum", DAK_WIL, "Buôn Trum", "buon", 98, 455),
        ("area-eatling-tdp2", EA_TLING, "Tổ dân phố 2", "to_dan_pho", 210, 820),
    ]
    out: list[tuple[str, str, dict[str, Any]]] = []
    for key, unit, name, kind, hh, pop in areas:
        out.append(
            (
                "residential_area",
                _id(key),
                {
                    **base("residential_area", unit),
                    "name": name,
                    "kind": kind,
                    "households": hh,
                    "population": pop,
                },
            )
        )
    models = [
        (
            "model-phan-vi-sinh",
            "area-dakwil-thon3",
            DAK_WIL,
            "Sản xuất phân vi sinh phục vụ chăm bón cho cây trồng trong nhà lưới",
            "2",
            "operating",
            "farmers_union",
            35,
            1_200_000_000,
            {"lat": 12.6921, "lon": 107.8841, "accuracy": 6.5, "altitude": 412.0},
        ),
        (
            "model-thit-lon-sach",
            "area-dakwil-buon-trum",
            DAK_WIL,
            "Chế biến các sản phẩm từ thịt lợn được chăn nuôi sạch theo quy trình khép kín",
            "2",
            "replicated",
            "womens_union",
            18,
            850_000_000,
            {"lat": 12.6875, "lon": 107.8902, "accuracy": 4.0, "altitude": None},
        ),
        (
            "model-tuyen-duong-hoa",
            "area-eatling-tdp2",
            EA_TLING,
            "Tuyến đường hoa tự quản, xanh – sạch – đẹp",
            "1",
            "building",
            "youth_union",
            60,
            0,
            {"lat": 12.6552, "lon": 107.8190, "accuracy": 12.0, "altitude": None},
        ),
    ]
    for key, area, unit, name, content, status, org, hh, value, loc in models:
        out.append(
            (
                "model",
                _id(key),
                {
                    **base("model", unit),
                    "name": name,
                    "residential_area": _id(area),
                    "content_area": content,
                    "linked_campaigns": ["new_rural_civilized_urban", "prefer_vietnamese_goods"],
                    "lead_organization": org,
                    "start_date": "2021-03-15",
                    "status": status,
                    "participating_households": hh,
                    "participating_people": hh * 4,
                    "economic_value_vnd_per_year": value,
                    "location": loc,
                    "description": "Mô hình do Ban công tác Mặt trận khu dân cư vận động nhân dân cùng thực hiện.",
                },
            )
        )
    out.append(
        (
            "visit",
            _id("visit-phan-vi-sinh-1"),
            {
                **base("visit", DAK_WIL),
                "model": _id("model-phan-vi-sinh"),
                "visit_date": "2022-11-10",
                "officer_name": "Nguyễn Thị Lan",
                "location": {"lat": 12.6920, "lon": 107.8843, "accuracy": 5.0, "altitude": None},
                "score_effectiveness": 5,
                "score_creativity": 4,
                "score_replicability": 5,
                "score_participation": 4,
                "score_sustainability": 4,
                "notes": "Hộ dân phấn khởi; đề nghị nhân rộng ra các thôn lân cận.",
            },
        )
    )
    out.append(
        (
            "initiative",
            _id("initiative-phan-vi-sinh"),
            {
                **base("initiative", DAK_WIL),
                "title": "Quy trình ủ phân vi sinh từ phụ phẩm cà phê",
                "authors": "Hội Nông dân xã Đắk Wil",
                "field": "agriculture",
                "status": "submitted",
                "submitted_date": "2022-10-01",
            },
        )
    )
    out.append(
        (
            "activity",
            _id("activity-hoi-nghi-2022"),
            {
                **base("activity", DAK_WIL),
                "kind": "conference",
                "title": "Hội nghị sơ kết phong trào “Đoàn kết sáng tạo”",
                "date": "2022-11-18",
                "attendees": 140,
            },
        )
    )
    return out


def load_demo(engine: Engine, settings: ServerSettings) -> Iterator[str]:
    with write_tx(engine) as conn:
        n = import_units(conn, source="legacy", under=DISTRICT)
    yield f"Đơn vị / units: {n} (huyện Cư Jút 662 và 8 xã, tỉnh Đắk Nông 67)"
    yield "Người dùng / users (mật khẩu chỉ in một lần / passwords are shown once):"
    for username, role, unit, who in DEMO_USERS:
        with write_tx(engine) as conn:
            if store.users.id_of(conn, username) is not None:
                yield f"  {username:<15} {role:<15} {unit:<6} (đã có / exists; password unchanged)"
                continue
            password = secrets.token_urlsafe(9)
            auth_service.add_user(
                conn, username=username, password=password, role=role, unit_codes=[unit]
            )
        yield f"  {username:<15} {role:<15} {unit:<6} {password}   {who}"

    clock = Clock(SEED_DEVICE)
    wanted = _records()
    wanted += demo_v2.records(wanted)  # issue 20: form set v2 beside them
    with write_tx(engine) as conn:
        have = store.records.existing_ids(conn, [r[1] for r in wanted])
        changes = [
            {
                "change_id": str(uuid.uuid4()),
                "entity": entity,
                "record_id": rid,
                "op": "upsert",
                "base_rev": None,
                "hlc": str(clock.now()),
                "fields": fields,
            }
            for entity, rid, fields in wanted
            if rid not in have
        ]
        admin_id = store.users.id_of(conn, "admin.daknong")
        if admin_id is None:
            raise RuntimeError("admin.daknong is missing")
        principal = auth_service.Principal(
            admin_id,
            "admin.daknong",
            "admin",
            (PROVINCE,),
            SEED_DEVICE,
            auth_service.scope_of(conn, [PROVINCE]),
        )
        results = push(conn, settings, principal, changes)
    applied = sum(r["status"] in ("applied", "conflict") for r in results)
    existing = len(have)
    rejected = [r for r in results if r["status"] == "rejected"]
    if rejected:
        raise RuntimeError(f"demo records rejected: {rejected}")
    yield f"Bản ghi mẫu / sample records: {applied} new, {existing} already there"
