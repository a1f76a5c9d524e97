"""The 2025 reform as staff check it (issue 19): what needed a choice (``reform_choices``), and
the staff's answer, to confirm where a record went or to move it to another of its parts.

Who sees a choice: commune staff and above (field officers: ``forbidden``), when the record's
unit is in their scope, or, for a district's record (the district's Front committee ended and
its records went to the new province), when their scope holds every new commune that the
district's communes became: the district's own staff, bound to those communes by the reform.

Where it may go: one of its ``parts`` in the caller's scope (a split commune's new communes; for
a district's record the new province or the new communes its communes became); any other is
``invalid_request`` with ``{"field": "unit"}``. Moving is the server's act, as the reform's
(:mod:`server.services.relocate`): the record and its family (a residential area's models, their
visits and evidence; a model's visits and evidence) take the new unit, a new ``rev`` and a
change from ``server:reform``, with their report figures and evidence files. The choice is then
marked checked, by whom and when.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection

from server import store
from server.clock import iso
from server.db.engine import lock_change_log
from server.errors import ServerError
from server.services.auth import REVIEWER_ROLES, Principal
from server.services.browse import title_of
from server.services.relocate import REFORM_DEVICE, Relocation
from shared_schema.errors import ErrorCode
from shared_schema.hlc import Clock

__all__ = ["check", "choices_for", "open_count"]


def _staff(who: Principal) -> None:
    if who.role not in REVIEWER_ROLES:
        raise ServerError(ErrorCode.FORBIDDEN)


def _districts(conn: Connection, who: Principal) -> list[str]:
    """Old districts whose every new commune lies in the caller's scope."""
    return sorted(d for d, parts in store.reform.district_parts(conn).items() if parts <= who.scope)


def open_count(conn: Connection, who: Principal) -> int:
    """Choices still to check that the caller may check (0 for field officers)."""
    if who.role not in REVIEWER_ROLES or not store.reform.has_choices(conn):
        return 0
    return store.reform.open_choices(conn, who.units, _districts(conn, who))


def _visible(conn: Connection, who: Principal, choice: dict[str, Any] | None) -> dict[str, Any]:
    if choice is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    if who.in_scope(choice["unit"]):
        return choice
    parts = store.reform.district_parts(conn).get(choice["unit_before_2025"])
    if not parts or not parts <= who.scope:
        raise ServerError(ErrorCode.NOT_FOUND)
    return choice


def _targets(who: Principal, choice: dict[str, Any]) -> list[str]:
    """Where the caller may put the record: its unit now, or one of its parts, in scope."""
    out = [choice["unit"]] + [p for p in choice["parts"] if p != choice["unit"]]
    return [u for u in out if who.in_scope(u)]


def choices_for(conn: Connection, who: Principal, lang: str = "vi") -> list[dict[str, Any]]:
    """The choices the caller may check, unchecked first, each with the names of its old and new
    units, the record's title, and ``targets``: ``[{"code", "name"}]`` it may be moved to."""
    _staff(who)
    rows = store.reform.choices_in_scope(conn, who.units, or_before=_districts(conn, who))
    old = store.reform.legacy_names(conn, {r["unit_before_2025"] for r in rows})
    codes = {r["unit"] for r in rows} | {p for r in rows for p in r["parts"]}
    names = store.units.names_of(conn, codes)
    titles = {
        r.record_id: title_of(orjson.loads(r.fields))
        for r in store.records.rows_by_id(conn, [r["record_id"] for r in rows])
    }
    out = []
    for r in rows:
        was = old.get(r["unit_before_2025"], {})
        district = old.get(str(was.get("parent")), {}) if was.get("level") == "commune" else {}
        out.append(
            {
                **r,
                "title": titles.get(r["record_id"], ""),
                "before_name": was.get("name", ""),
                "before_district": district.get("name", ""),
                "unit_name": names.get(r["unit"], r["unit"]),
                "part_names": [names.get(p, p) for p in r["parts"]],
                "targets": [{"code": u, "name": names.get(u, u)} for u in _targets(who, r)],
            }
        )
    return out


def check(conn: Connection, who: Principal, record_id: str, target: str) -> dict[str, Any]:
    """Confirm the choice of ``record_id`` (``target`` its unit now) or move the record and its
    family to ``target``; the choice, checked, with ``moved``. The caller holds a write
    transaction."""
    _staff(who)
    choice = _visible(conn, who, store.reform.choice(conn, record_id))
    if target not in _targets(who, choice):
        raise ServerError(ErrorCode.INVALID_REQUEST, {"field": "unit"})
    stamp = iso()
    ids = [record_id]
    moved = target != choice["unit"]
    if moved:
        ids += store.reform.family_of(conn, record_id)
        _move(conn, ids, target, stamp)
    store.reform.check_choices(conn, ids, target, by=who.username, at=stamp)
    return {
        **choice,
        "unit": target,
        "checked_by": who.username,
        "checked_at": stamp,
        "moved": moved,
    }


def _move(conn: Connection, ids: list[str], target: str, stamp: str) -> None:
    lock_change_log(conn)
    rows = store.records.full_rows(conn, ids)
    before = store.reform.before_of(conn, ids)
    moving = Relocation(str(Clock(REFORM_DEVICE).now()), stamp, store.changes.next_seq(conn))
    facts = []
    for r in rows:
        fields = moving.move(r, target, before.get(r.record_id))
        facts.append(
            {
                "record_id": r.record_id,
                "entity": r.entity,
                "unit": target,
                "fields": fields,
                "deleted": r.deleted,
                "created_at": r.created_at,
            }
        )
    moving.write(conn)
    store.facts.upsert(conn, facts)
    store.reform.follow_evidence_files(conn, ids)
