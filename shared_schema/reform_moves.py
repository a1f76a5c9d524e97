"""Where the 2025 reform moves a server's units, records and users: pure rules over the mapping of
:mod:`shared_schema.reform` (``server/services/reform.py`` applies them in one transaction).

- A unit (:func:`unit_moves`): a commune goes to the new commune it became (a split one to the
  mapping's default, listed with its parts for staff to check); a district, whose Front committee
  ended with the reform, to the new commune its district town became (listed, ``district_ended``,
  with the other new communes of its territory), where its staff, bound to those communes, still
  see its records; a province to the new province it joined.
- A record of a split commune follows its residential area where the mapping names the area
  (:func:`area_overrides`): the area itself, its models, their visits and evidence move together,
  since a record names only records of its own unit.
- A user (:func:`bind_user_units`) is bound to what their units became, never at a higher level than
  before: a commune's staff to the new commune(s) theirs became; a district's staff to the new
  communes that its communes became, not to the merged province; a province's to the province it
  joined (the same level: one provincial Front committee now).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared_schema.reform import Reform, UnmappedUnitError
from shared_schema.text import search_key

__all__ = ["UnitMove", "UnplacedUnitsError", "area_overrides", "bind_user_units", "unit_moves"]


@dataclass(frozen=True, slots=True)
class UnitMove:
    """Where the records of one legacy unit go. ``by``: ``whole`` (no choice), ``default`` (a split
    commune's default part), ``seat`` (a district's own records to its town's new commune), ``assigned``
    (an administrator's ``--assign``); ``reasons`` and ``parts`` are listed for staff when ``by`` is
    not ``whole``."""

    old: str
    new: str
    by: str
    reasons: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()

    @property
    def choice(self) -> bool:
        return self.by != "whole" or bool(self.reasons)


class UnplacedUnitsError(ValueError):
    """Legacy units that the mapping cannot place and no ``--assign`` places: nothing is moved."""

    def __init__(self, unplaced: Mapping[str, str]) -> None:
        self.unplaced = dict(unplaced)
        listed = "; ".join(f"{code}: {why}" for code, why in sorted(self.unplaced.items()))
        super().__init__(
            f"{len(self.unplaced)} legacy unit(s) have no known successor ({listed}); name one "
            "with --assign OLD=NEW"
        )


def unit_moves(
    reform: Reform,
    units: Iterable[tuple[str, str, str | None]],
    *,
    assigned: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, UnitMove]:
    """``code → UnitMove`` for the legacy ``units`` given as ``(code, level, parent)``.

    ``assigned``: old code → new code chosen by an administrator, for units the mapping cannot
    place (or to overrule it). ``names``: the units' names, which tell a district's seat (its
    "Thị trấn", the district town) among its communes. Raises :class:`UnplacedUnitsError` listing every unit left over.
    """
    assigned = dict(assigned or {})
    table = {code: (level, parent) for code, level, parent in units}
    out: dict[str, UnitMove] = {}
    unplaced: dict[str, str] = {}

    for code, (level, _parent) in table.items():
        if code in assigned:
            out[code] = UnitMove(code, assigned[code], "assigned", ("assigned",), (assigned[code],))
            continue
        try:
            if level == "commune":
                outcome = reform.became(code)
                by = "default" if outcome.split else "whole"
                out[code] = UnitMove(code, outcome.default, by, outcome.reasons, outcome.parts)
            elif level == "province":
                out[code] = UnitMove(code, reform.new_province(code), "whole")
            else:
                parts = tuple(sorted(reform.parts_of_district(code)))
                seat = _seat(reform, code, table, names or {}) or (parts[0] if parts else None)
                if seat is None:
                    unplaced[code] = "none of its communes is known"
                    continue
                others = tuple(p for p in parts if p != seat)
                out[code] = UnitMove(code, seat, "seat", ("district_ended",), (seat, *others))
        except UnmappedUnitError as exc:
            unplaced[code] = exc.reason
        except KeyError as exc:  # UnknownUnitError
            unplaced[code] = str(exc)
    if unplaced:
        raise UnplacedUnitsError(unplaced)
    return out


def _seat(
    reform: Reform,
    district: str,
    table: Mapping[str, tuple[str, str | None]],
    names: Mapping[str, str],
) -> str | None:
    """The new commune a district's own records go to: the one its district town became (the
    seat of its Front committee), else the one its first commune became."""
    communes = sorted(
        c for c, (lvl, parent) in table.items() if parent == district and lvl == "commune"
    )
    towns = [c for c in communes if names.get(c, "").startswith("Thị trấn")]
    for code in towns + communes:
        with contextlib.suppress(KeyError):
            return reform.became(code).default
    return None


def area_overrides(
    reform: Reform,
    moves: Mapping[str, UnitMove],
    rows: Iterable[tuple[str, str, str, Mapping[str, Any]]],
) -> dict[str, str]:
    """``record_id → new unit`` for records of split communes whose residential area the mapping
    places elsewhere than the default. ``rows``: ``(record_id, entity, old unit, fields)`` of the
    records of split communes (any order). A model follows its area, a visit its model, evidence its
    visit or model."""
    rows = list(rows)
    placed: dict[str, str] = {}
    for rid, entity, unit, fields in rows:
        move = moves.get(unit)
        if entity != "residential_area" or move is None or move.by != "default":
            continue
        name = fields.get("name")
        outcome = reform.became(unit)
        part = outcome.areas.get(search_key(name)) if isinstance(name, str) else None
        if part is not None and part != move.new:
            placed[rid] = part
    if not placed:
        return {}
    parent_field = {
        "model": ("residential_area",),
        "visit": ("model",),
        "evidence": ("visit", "model"),
    }
    for _ in range(3):  # area → model → visit → evidence
        for rid, entity, _unit, fields in rows:
            if rid in placed:
                continue
            for name in parent_field.get(entity, ()):
                ref = fields.get(name)
                if isinstance(ref, str) and ref in placed:
                    placed[rid] = placed[ref]
                    break
    return placed


def bind_user_units(
    reform: Reform,
    old_units: Iterable[tuple[str, str]],
    moves: Mapping[str, UnitMove],
) -> list[str]:
    """The new units of a user bound to ``old_units`` (``(code, level)``), never at a higher level.
    A commune gives all
       of its parts, a district the parts of its communes, a province the province it joined.
    """
    bound: set[str] = set()
    for code, level in old_units:
        move = moves.get(code)
        if move is not None and move.by == "assigned":
            bound.add(move.new)
            continue
        if level == "commune":
            bound.update(move.parts if move is not None and move.parts else ())
            bound.update(() if move is None else (move.new,))
            continue
        parts: set[str] = set()
        if level == "district":
            parts = reform.parts_of_district(code)
        if level == "province":  # the same level: the province it joined
            bound.add(reform.new_province(code))
            continue
        bound.update(parts)
    return sorted(bound)
