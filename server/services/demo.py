"""`dkst demo`: the new map. Tỉnh Lâm Đồng (68) and its communes on the current tree, with
province staff (``tinh``), commune staff and officers of Xã Đắk Wil, Xã Cư Jút and Xã Nam Dong —
Huyện Cư Jút's communes since the 2025 reform — and sample records there.

The records go through the same push service as any device's changes, from the device
``demo-seed``, so they are validated and merged like real data and carry an audit trail.

:func:`demo_records` makes the sample records for any communes, so the same story can be told on
the old map: ``dkst demo --history`` (issue 19, built with the reform) loads Huyện Cư Jút's
2022–2025 records on the legacy tree — ``demo_records(OLD_MAP, year=2022, tag="history-")``
pushed by :func:`seed_records` — and then reforms the server.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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
from shared_schema.titles import role_title
from shared_schema.units import load_units

PROVINCE = "68"  # Tỉnh Lâm Đồng, on the current tree
DAK_WIL, CU_JUT, NAM_DONG = "24646", "24640", "24649"  # Huyện Cư Jút's communes since 2025
SEED_DEVICE = "demo-seed"
# Fixed ids, so that running the demo twice adds nothing new.
_NS = uuid.UUID("5b8f3c1e-4a8e-4a57-9d57-6b1d0c2a7e11")

# (username, role, unit)
DEMO_USERS = (
    ("tinh", "district_staff", PROVINCE),
    ("admin.lamdong", "admin", PROVINCE),
    ("mttq.dakwil", "commune_staff", DAK_WIL),
    ("canbo.dakwil", "field_officer", DAK_WIL),
    ("mttq.cujut", "commune_staff", CU_JUT),
    ("canbo.namdong", "field_officer", NAM_DONG),
)
SEED_USER = "admin.lamdong"


@dataclass(frozen=True)
class DemoCommunes:
    """Where the sample records live: two models and the activities in ``first``, a street of
    flowers in ``second``, a residential area in ``third`` (when given)."""

    first: str
    second: str
    first_name: str  # as a sentence writes it: "xã Đắk Wil"
    third: str | None = None


NEW_MAP = DemoCommunes(DAK_WIL, CU_JUT, "xã Đắk Wil", NAM_DONG)
# The same story on the old map, for ``--history``: Huyện Cư Jút's Xã Ea Pô (24646 on the legacy
# tree), Thị trấn Ea T'Ling and Xã Đắk DRông, which the reform made Xã Đắk Wil, Xã Cư Jút and
# Xã Nam Dong (shared_schema.reform). Pushed as a user of Huyện Cư Jút 662 with ``tag`` set.
OLD_MAP = DemoCommunes("24646", "24640", "xã Ea Pô", "24652")


def demo_id(name: str) -> str:
    """The fixed id of the demo record ``name`` ("model-phan-vi-sinh"): a second run adds nothing."""
    return str(uuid.uuid5(_NS, name))


def demo_records(
    places: DemoCommunes, *, year: int = 2025, tag: str = ""
) -> list[tuple[str, str, dict[str, Any]]]:
    """(entity, record_id, fields) in creation order; Vietnamese text from the seeds.

    ``year``: the year of the visit, the initiative and the conference (the models started the
    year before). ``tag`` prefixes every record's key, so that two sets have different ids.
    """
    first, second = places.first, places.second

    def rid(key: str) -> str:
        return demo_id(tag + key)

    def base(entity: str, unit: str) -> dict[str, Any]:
        return {"unit": unit, "form_id": f"dkst_{entity}", "form_version": 1}

    areas = [
        ("area-dakwil-thon3", first, "Thôn 3", "thon", 152, 610),
        ("area-dakwil-buon-trum", first, "Buôn Trum", "buon", 98, 455),
        ("area-eatling-tdp2", second, "Tổ dân phố 2", "to_dan_pho", 210, 820),
    ]
    if places.third is not None:
        areas.append(("area-namdong-thon5", places.third, "Thôn 5", "thon", 120, 480))
    out: list[tuple[str, str, dict[str, Any]]] = []
    for key, unit, name, kind, hh, pop in areas:
        out.append(
            (
                "residential_area",
                rid(key),
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
            first,
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
            first,
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
            second,
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
                rid(key),
                {
                    **base("model", unit),
                    "name": name,
                    "residential_area": rid(area),
                    "content_area": content,
                    "linked_campaigns": ["new_rural_civilized_urban", "prefer_vietnamese_goods"],
                    "lead_organization": org,
                    "start_date": f"{year - 1}-03-15",
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
            rid("visit-phan-vi-sinh-1"),
            {
                **base("visit", first),
                "model": rid("model-phan-vi-sinh"),
                "visit_date": f"{year}-11-10",
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
            rid("initiative-phan-vi-sinh"),
            {
                **base("initiative", first),
                "title": "Quy trình ủ phân vi sinh từ phụ phẩm cà phê",
                "authors": f"Hội Nông dân {places.first_name}",
                "field": "agriculture",
                "status": "submitted",
                "submitted_date": f"{year}-10-01",
            },
        )
    )
    out.append(
        (
            "activity",
            rid("activity-hoi-nghi"),
            {
                **base("activity", first),
                "kind": "conference",
                "title": "Hội nghị sơ kết phong trào “Đoàn kết sáng tạo”",
                "date": f"{year}-11-18",
                "attendees": 140,
            },
        )
    )
    return out


def add_demo_users(
    engine: Engine, users: Sequence[tuple[str, str, str]], tree: str
) -> Iterator[str]:
    """Add the users that are missing, each with a new password, printed once with what the user
    is ("Cán bộ MTTQ tỉnh · Tỉnh Lâm Đồng")."""
    units = load_units(tree)  # type: ignore[arg-type]
    for username, role, code in users:
        unit = units[code]
        title = role_title(role, [{"name": unit.name, "level": unit.level}], tree, "vi")
        with write_tx(engine) as conn:
            if store.users.id_of(conn, username) is not None:
                yield f"  {username:<15} {role:<15} {code:<6} (đã có / exists; password unchanged)"
                continue
            password = secrets.token_urlsafe(9)
            auth_service.add_user(
                conn, username=username, password=password, role=role, unit_codes=[code]
            )
        yield f"  {username:<15} {role:<15} {code:<6} {password}   {title} · {unit.name}"


def seed_records(
    engine: Engine,
    settings: ServerSettings,
    records: Sequence[tuple[str, str, dict[str, Any]]],
    username: str,
) -> str:
    """Push the records that are not there yet as ``username`` (who must see their units) from
    the device ``demo-seed``; a line saying how many were new."""
    clock = Clock(SEED_DEVICE)
    with write_tx(engine) as conn:
        have = store.records.existing_ids(conn, [r[1] for r in records])
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
            for entity, rid, fields in records
            if rid not in have
        ]
        user = store.users.by_name(conn, username) if changes else None
        results: list[dict[str, Any]] = []
        if user is not None:
            units = store.users.units_of(conn, int(user["id"]))
            principal = auth_service.Principal(
                int(user["id"]),
                username,
                str(user["role"]),
                units,
                SEED_DEVICE,
                auth_service.scope_of(conn, list(units)),
            )
            results = push(conn, settings, principal, changes)
        elif changes:
            raise RuntimeError(f"{username} is missing")
    rejected = [r for r in results if r["status"] == "rejected"]
    if rejected:
        raise RuntimeError(f"demo records rejected: {rejected}")
    applied = sum(r["status"] in ("applied", "conflict") for r in results)
    return f"Bản ghi mẫu / sample records: {applied} new, {len(have)} already there"


def load_demo(engine: Engine, settings: ServerSettings) -> Iterator[str]:
    """Tỉnh Lâm Đồng's units (current tree), the demo users, the sample records."""
    with write_tx(engine) as conn:
        n = import_units(conn, source="current", under=PROVINCE)
    yield (
        f"Đơn vị / units: {n} (tỉnh Lâm Đồng 68 và các xã, phường, đặc khu; "
        "Xã Đắk Wil 24646, Xã Cư Jút 24640, Xã Nam Dong 24649)"
    )
    yield "Người dùng / users (mật khẩu chỉ in một lần / passwords are shown once):"
    yield from add_demo_users(engine, DEMO_USERS, "current")
    wanted = demo_records(NEW_MAP)
    wanted += demo_v2.records(wanted)  # issue 20: form set v2 beside them
    yield seed_records(engine, settings, wanted, SEED_USER)
