"""The demo's form set v2 records (server/services/demo_v2.py): valid against v2, beside whatever
units the demo loads, and every new figure has one."""

from __future__ import annotations

from server.services import demo, demo_v2
from shared_schema.forms import load_default_forms
from shared_schema.validation import validate


def test_v2_records_are_valid_and_sit_beside_the_demo_records() -> None:
    wanted = demo.demo_records(demo.NEW_MAP)
    added = demo_v2.records(wanted)
    assert {e for e, _, _ in added} == {"model", "visit", "initiative", "activity", "evidence"}
    forms = load_default_forms()
    area = next(r for r in wanted if r[0] == "residential_area")
    for entity, _rid, fields in added:
        form = forms.get(fields["form_id"], fields["form_version"])
        assert form is not None and form.version == 2 and form.entity == entity
        assert validate(form, fields) == [], (entity, validate(form, fields))
        assert fields["unit"] == area[2]["unit"]
    assert len({rid for _, rid, _ in added}) == len(added)
    assert demo_v2.records(added) == demo_v2.records(added)  # fixed ids


def test_no_area_no_v2_records() -> None:
    assert demo_v2.records([]) == []
