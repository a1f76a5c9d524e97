"""The one record factory and the one change builder of the server tests, the contract tests and
``bench/push.py``.

Plain dicts as SYNC.md puts them on the wire, with no import of ``server`` or ``shared_schema``,
so the black-box contract tests can use them too. Every entity gets the fields its form requires
(``dkst_<entity>`` version 1); a test names the values it checks.
"""

from __future__ import annotations

import uuid
from typing import Any

DAK_WIL = "24643"  # Xã Đắk Wil, Huyện Cư Jút (legacy code)

_REQUIRED: dict[str, dict[str, Any]] = {
    "residential_area": {"name": "Thôn Đoàn Kết", "kind": "thon"},
    "model": {
        "name": "Mô hình “Đoàn kết sáng tạo”",
        "content_area": "1",
        "status": "operating",
    },
    "visit": {
        "visit_date": "2022-11-10",
        "officer_name": "Nguyễn Thị Lan",
        "location": {"lat": 12.69, "lon": 107.88, "accuracy": 5.0, "altitude": None},
    },
    "evidence": {"kind": "photo", "media_type": "image/jpeg", "size": 1000},
    "initiative": {  # past "proposed", a status needs its date (submitted_date, …)
        "title": "Quy trình ủ phân vi sinh",
        "authors": "Hội Nông dân",
        "field": "agriculture",
        "status": "proposed",
    },
    "activity": {
        "kind": "conference",
        "title": "Hội nghị sơ kết phong trào",
        "date": "2022-11-18",
    },
}


def new_id() -> str:
    return str(uuid.uuid4())


def record_fields(entity: str, unit: str = DAK_WIL, **fields: Any) -> dict[str, Any]:
    """A valid new record of ``entity`` in ``unit``; ``fields`` add to or replace the defaults.

    A model needs ``residential_area=…``, a visit ``model=…``, evidence ``sha256=…`` and a
    ``model`` or ``visit``: the references are the test's to make.
    """
    return {
        "unit": unit,
        "form_id": f"dkst_{entity}",
        "form_version": 1,
        **_REQUIRED[entity],
        **fields,
    }


def change(
    entity: str,
    fields: dict[str, Any] | None,
    *,
    hlc: str,
    record_id: str | None = None,
    op: str = "upsert",
    base_rev: int | None = None,
    change_id: str | None = None,
) -> dict[str, Any]:
    """One change of SYNC.md's push (a delete carries ``{}`` unless ``fields`` say otherwise)."""
    return {
        "change_id": change_id or new_id(),
        "entity": entity,
        "record_id": record_id or new_id(),
        "op": op,
        "base_rev": base_rev,
        "hlc": hlc,
        "fields": {} if fields is None else fields,
    }
