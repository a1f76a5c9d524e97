"""``server/store/facts.py``: what a record adds to the report figures; the sums kept on write
equal a rebuild from the records and follow edits and deletes (SQLite here; the HTTP tests in
test_reports.py run both databases)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select

from server.db.engine import make_engine, read_tx, write_tx
from server.db.migrate import upgrade
from server.db.schema import unit_tallies
from server.services.units import import_units
from server.store import facts

MODEL = {
    "unit": "24643",
    "form_id": "dkst_model",
    "form_version": 1,
    "residential_area": "a1",
    "content_area": "2",
    "status": "operating",
    "lead_organization": "farmers_union",
    "linked_campaigns": ["cultural_life", "new_rural_civilized_urban", "cultural_life"],
    "start_date": "2022-03-01",
    "participating_people": 40,
    "participating_households": 12,
    "labour_days": 300,
    "review_state": "approved",
}


def test_a_model_fact_and_what_it_adds() -> None:
    f = facts.fact_of("model", "m1", "24643", MODEL)
    assert f is not None
    assert (f["day"], f["area"], f["organization"], f["review_state"]) == (
        "2022-03-01",
        "a1",
        "farmers_union",
        "approved",
    )
    assert f["campaigns"] == "cultural_life,new_rural_civilized_urban"
    assert sorted(facts.contributions(f)) == sorted(
        [
            ("model", 1),
            ("model.content_area.2", 1),
            ("model.status.operating", 1),
            ("model.organization.farmers_union", 1),
            ("model.campaign.cultural_life", 1),
            ("model.campaign.new_rural_civilized_urban", 1),
            ("model.people", 40),
            ("model.households", 12),
            ("model.labour_days", 300),
        ]
    )
    assert facts.fact_of("model", "m1", None, MODEL) is None  # a tombstone never seen


def test_odd_values_are_left_out() -> None:
    f = facts.fact_of(
        "activity",
        "x",
        "24643",
        {"kind": "bulletin", "date": 20221101, "bulletins_printed": True, "attendees": "9"},
    )
    assert f is not None and f["day"] is None
    assert facts.contributions(f) == [("activity.kind.bulletin", 1)]
    ev = facts.fact_of("evidence", "e", "24643", {"visit": "v", "model": None})
    assert ev is not None and ev["missing_sha"] == "" and ev["visit"] == "v"


def _row(entity: str, fields: dict[str, Any], deleted: bool = False) -> dict[str, Any]:
    return {
        "record_id": str(uuid.uuid4()),
        "entity": entity,
        "unit": fields["unit"],
        "rev": 1,
        "fields": orjson.dumps(fields).decode(),
        "meta": "{}",
        "deleted": deleted,
        "deleted_hlc": None,
        "form_id": fields["form_id"],
        "form_version": 1,
        "created_at": "2026-12-01T00:00:00.000Z",
        "updated_at": "2026-12-01T00:00:00.000Z",
        "seq": 1,
    }


def _tallies(engine: Any) -> dict[tuple[str, str], int]:
    with read_tx(engine) as conn:
        q = select(unit_tallies.c.unit, unit_tallies.c.key, unit_tallies.c.n)
        return {(r.unit, r.key): r.n for r in conn.execute(q) if r.n}


def test_sums_kept_on_write_equal_a_rebuild_and_follow_edits(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/t.sqlite3")
    upgrade(engine)
    rows = [
        _row("model", MODEL),
        _row("model", MODEL | {"unit": "24640", "status": "building"}),
        _row("model", MODEL | {"content_area": "5"}, deleted=True),
        _row(
            "activity",
            {
                "unit": "662",
                "form_id": "dkst_activity",
                "kind": "conference",
                "date": "2022-01-02",
                "attendees": 140,
            },
        ),
    ]
    with write_tx(engine) as conn:
        import_units(conn, source="legacy", under="662")
        assert facts.bulk_load(conn, rows) == 3
    kept = _tallies(engine)
    assert kept[("24643", "model.status.operating")] == 1
    assert kept[("662", "activity.attendees")] == 140
    assert ("24643", "model.content_area.5") not in kept
    with write_tx(engine) as conn:
        assert facts.rebuild(conn) == 3  # what migration 0004 runs over existing records
    assert _tallies(engine) == kept
    # An edit through upsert moves the sums; a delete takes them away.
    edited = dict(rows[0], fields=orjson.dumps(MODEL | {"status": "replicated"}).decode())
    with write_tx(engine) as conn:
        facts.upsert(conn, [edited, dict(rows[1], deleted=True)])
    kept = _tallies(engine)
    assert kept[("24643", "model.status.replicated")] == 1
    assert ("24643", "model.status.operating") not in kept
    assert ("24640", "model") not in kept
    engine.dispose()


def test_an_upgrade_from_0003_rebuilds_the_facts_once(
    database_url: str | None, tmp_path: Path
) -> None:
    """Migration 0004 asks for the facts to be rebuilt; ``upgrade`` rebuilds them after the last
    revision, with the schema whole (issue 17: 0004 used to call the live store code itself)."""
    from alembic import command
    from sqlalchemy import insert

    from server.db.migrate import alembic_config
    from server.db.schema import record_facts, records, server_meta

    engine = make_engine(database_url or f"sqlite:///{tmp_path}/old.sqlite3")
    cfg = alembic_config(str(engine.url))
    with write_tx(engine) as conn:  # a server as it was at 0003, with records and no facts
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with write_tx(engine) as conn:
        import_units(conn, source="legacy", under="662")
        conn.execute(
            insert(records), [_row("model", MODEL), _row("model", MODEL | {"unit": "24640"})]
        )
    upgrade(engine)
    with read_tx(engine) as conn:
        assert len(conn.execute(select(record_facts)).all()) == 2
        assert (
            conn.execute(select(server_meta).where(server_meta.c.key == "facts_rebuild")).first()
            is None
        )
    assert _tallies(engine)[("24643", "model")] == 1
    with write_tx(engine) as conn:  # a fact the next start must not rebuild away
        conn.execute(record_facts.delete().where(record_facts.c.unit == "24640"))
    upgrade(engine)
    with read_tx(engine) as conn:
        assert len(conn.execute(select(record_facts)).all()) == 1
    engine.dispose()
