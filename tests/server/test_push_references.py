"""Issue 16: a reference names a record of the writer's scope and of the record's own unit.

A model could name another commune's residential area (and a visit another unit's model, an
evidence another unit's visit), which then showed up by name in its exports. A reference to a
record the server knows must now lie in the writer's scope (else ``out_of_scope``, whatever the
record is) and in the record's unit, of the entity the field names (else ``invalid_value``). An id
the server has not seen yet is accepted, as a device may send what it names later.
"""

from __future__ import annotations

from typing import Any

from tests.server.helpers import change, client, new_id, push, record_fields

DAK_WIL, EA_TLING = "24643", "24640"


def _create(c: Any, device: str, entity: str, unit: str, **fields: Any) -> str:
    ch = change(device, record_fields(entity, unit, **fields), entity=entity)
    res = push(c, device, [ch])[0]
    assert res["status"] == "applied", res
    return str(ch["record_id"])


def _one(c: Any, device: str, entity: str, fields: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return push(c, device, [change(device, fields, entity=entity, **kw)])[0]


def _errors(res: dict[str, Any]) -> set[tuple[str, str]]:
    assert res["status"] == "rejected", res
    return {(e["field"], e["code"]) for e in res["errors"]}


def test_a_reference_out_of_the_writers_scope_is_out_of_scope(live_server: Any) -> None:
    other, odev = client(live_server, "officer2")  # Ea T'Ling
    area = _create(other, odev, "residential_area", EA_TLING)
    model = _create(other, odev, "model", EA_TLING, residential_area=area)
    visit = _create(other, odev, "visit", EA_TLING, model=model)
    mine, dev = client(live_server, "officer")  # Đắk Wil
    fields = record_fields("model", DAK_WIL, residential_area=area)
    assert _errors(_one(mine, dev, "model", fields)) == {("residential_area", "out_of_scope")}
    fields = record_fields("visit", DAK_WIL, model=model)
    assert _errors(_one(mine, dev, "visit", fields)) == {("model", "out_of_scope")}
    fields = record_fields("evidence", DAK_WIL, visit=visit, sha256="a" * 64)
    assert _errors(_one(mine, dev, "evidence", fields)) == {("visit", "out_of_scope")}


def test_a_reference_to_another_unit_in_scope_is_invalid(live_server: Any) -> None:
    district, dev = client(live_server, "district")  # Huyện Cư Jút: both communes in scope
    area = _create(district, dev, "residential_area", EA_TLING)
    fields = record_fields("model", DAK_WIL, residential_area=area)
    assert _errors(_one(district, dev, "model", fields)) == {("residential_area", "invalid_value")}
    # The same area, in its own commune, is fine.
    assert (
        _one(district, dev, "model", record_fields("model", EA_TLING, residential_area=area))[
            "status"
        ]
        == "applied"
    )


def test_a_reference_to_a_record_of_another_entity_is_invalid(live_server: Any) -> None:
    c, dev = client(live_server, "officer")
    area = _create(c, dev, "residential_area", DAK_WIL)
    model = _create(c, dev, "model", DAK_WIL, residential_area=area)
    fields = record_fields("model", DAK_WIL, residential_area=model)  # a model, not an area
    assert _errors(_one(c, dev, "model", fields)) == {("residential_area", "invalid_value")}
    fields = record_fields("visit", DAK_WIL, model=area)
    assert _errors(_one(c, dev, "visit", fields)) == {("model", "invalid_value")}


def test_an_edit_cannot_move_a_reference_out_of_the_unit(live_server: Any) -> None:
    district, dev = client(live_server, "district")
    here = _create(district, dev, "residential_area", DAK_WIL)
    there = _create(district, dev, "residential_area", EA_TLING)
    model = _create(district, dev, "model", DAK_WIL, residential_area=here)
    res = _one(district, dev, "model", {"residential_area": there}, record_id=model, base_rev=1)
    assert _errors(res) == {("residential_area", "invalid_value")}


def test_references_not_seen_yet_or_made_in_the_same_batch_are_accepted(live_server: Any) -> None:
    c, dev = client(live_server, "officer")
    later = record_fields("model", DAK_WIL, residential_area=new_id())
    assert _one(c, dev, "model", later)["status"] == "applied"
    area = change(dev, record_fields("residential_area", DAK_WIL))
    model = change(
        dev,
        record_fields("model", DAK_WIL, residential_area=area["record_id"]),
        entity="model",
    )
    assert [r["status"] for r in push(c, dev, [area, model])] == ["applied", "applied"]


def _v2(entity: str, unit: str, **fields: Any) -> dict[str, Any]:
    return record_fields(entity, unit, **fields) | {"form_version": 2}


def test_evidence_of_an_initiative_or_activity_is_checked_as_any_reference(
    live_server: Any,
) -> None:
    """Issue 20: v2 evidence names an initiative or an activity; the same scope and unit rules."""
    other, odev = client(live_server, "officer2")  # Ea T'Ling
    their_ini = _create(other, odev, "initiative", EA_TLING)
    their_act = _create(other, odev, "activity", EA_TLING)
    mine, dev = client(live_server, "officer")  # Đắk Wil
    for field, target in (("initiative", their_ini), ("activity", their_act)):
        fields = _v2("evidence", DAK_WIL, sha256="a" * 64, **{field: target})
        assert _errors(_one(mine, dev, "evidence", fields)) == {(field, "out_of_scope")}
    district, ddev = client(live_server, "district")  # both communes in scope: another unit
    fields = _v2("evidence", DAK_WIL, sha256="a" * 64, initiative=their_ini)
    assert _errors(_one(district, ddev, "evidence", fields)) == {("initiative", "invalid_value")}
    my_ini = _create(mine, dev, "initiative", DAK_WIL)
    my_act = _create(mine, dev, "activity", DAK_WIL)
    fields = _v2("evidence", DAK_WIL, sha256="a" * 64, activity=my_ini)  # not an activity
    assert _errors(_one(mine, dev, "evidence", fields)) == {("activity", "invalid_value")}
    for field, target in (("initiative", my_ini), ("activity", my_act)):
        fields = _v2("evidence", DAK_WIL, sha256="a" * 64, **{field: target})
        assert _one(mine, dev, "evidence", fields)["status"] == "applied"
    # v1's evidence form has no such field.
    fields = record_fields("evidence", DAK_WIL, sha256="a" * 64, initiative=my_ini, model=new_id())
    assert ("initiative", "unknown_field") in _errors(_one(mine, dev, "evidence", fields))
