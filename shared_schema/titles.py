"""How units, Front bodies and roles are named, by the unit's level and the server's tree (issue 19).

The v1 form files are immutable and call a record's unit "Xã, phường, thị trấn"; since the 2025
reform there is no "thị trấn" and there are "đặc khu". So the label of a field of type ``unit`` is
computed where it is shown, from the tree the server works in (``legacy`` or ``current``; ``None``,
a server or device that knows none yet, reads as ``current``: a new installation starts there).

Roles keep their API names (SYNC.md's list): a ``district_staff`` bound to a province is shown as
"Cán bộ MTTQ tỉnh", on a legacy district as "Cán bộ MTTQ huyện". A Front body is named as the seeds
write it: "Ban Thường trực Ủy ban MTTQ huyện Cư Jút", "… tỉnh Lâm Đồng", "… xã Đắk Wil".

Unit names carry their type ("Xã Đắk Wil", "Thành phố Hà Nội", "Đặc khu Phú Quốc"); the type is
read from the name, so nothing here needs the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared_schema.forms import FieldDef

__all__ = [
    "field_label",
    "front_body",
    "role_name",
    "role_title",
    "unit_field_label",
    "unit_type",
]

_UNIT_FIELD = {
    "current": ("Xã, phường, đặc khu", "Commune, ward or special zone"),
    "legacy": ("Xã, phường, thị trấn", "Commune, ward or town"),
}
# A unit name's leading type → (Vietnamese word, English word). Two-word types first.
_TYPES: tuple[tuple[str, str, str], ...] = (
    ("Thành phố", "thành phố", "city"),
    ("Thị trấn", "thị trấn", "township"),
    ("Thị xã", "thị xã", "town"),
    ("Đặc khu", "đặc khu", "special zone"),
    ("Tỉnh", "tỉnh", "province"),
    ("Huyện", "huyện", "district"),
    ("Quận", "quận", "urban district"),
    ("Phường", "phường", "ward"),
    ("Xã", "xã", "commune"),
)
_LEVEL_TYPE = {
    "province": ("tỉnh", "province"),
    "district": ("huyện", "district"),
    "commune": ("xã", "commune"),
}
_RANK = {"commune": 0, "district": 1, "province": 2}
_FIXED = {
    "field_officer": ("Cán bộ hiện trường", "Field officer"),
    "admin": ("Quản trị viên", "Administrator"),
}
_GENERIC = {
    ("commune_staff", "current"): ("Cán bộ MTTQ xã, phường, đặc khu", "Commune Front staff"),
    ("commune_staff", "legacy"): ("Cán bộ MTTQ xã, phường, thị trấn", "Commune Front staff"),
    ("district_staff", "current"): ("Cán bộ MTTQ tỉnh, thành phố", "Province Front staff"),
    ("district_staff", "legacy"): ("Cán bộ MTTQ huyện, tỉnh", "District or province Front staff"),
}
# A district_staff bound to communes: a district's staff after the reform (SYNC.md: never bound
# higher than before), or someone a province put over a few communes.
_OVER_COMMUNES = ("Cán bộ MTTQ phụ trách cơ sở", "Front staff over communes")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _tree(tree: str | None) -> str:
    return "legacy" if tree == "legacy" else "current"


def unit_field_label(tree: str | None, lang: str) -> str:
    """The label of a field of type ``unit``: "Xã, phường, đặc khu" on the current tree,
    "Xã, phường, thị trấn" on the legacy one."""
    return _pick(_UNIT_FIELD[_tree(tree)], lang)


def field_label(fdef: FieldDef, lang: str, tree: str | None) -> str:
    """A form field's label as shown: the form's own, but a unit field's by the tree."""
    if fdef.type == "unit":
        return unit_field_label(tree, lang)
    return fdef.label.en if lang == "en" else fdef.label.vi


def unit_type(name: str, level: str | None, lang: str = "vi") -> str:
    """The unit's type in lower case ("xã", "phường", "đặc khu", "thành phố", …), read from its
    name, else from its level."""
    for prefix, vi, en in _TYPES:
        if name == prefix or name.startswith(prefix + " "):
            return en if lang == "en" else vi
    return _pick(_LEVEL_TYPE.get(level or "", ("", "")), lang)


def _lower_type(name: str, level: str | None) -> str:
    """ "Tỉnh Lâm Đồng" → "tỉnh Lâm Đồng"; a name without a known type gets its level's."""
    for prefix, vi, _en in _TYPES:
        if name.startswith(prefix + " "):
            return vi + name[len(prefix) :]
    word = _LEVEL_TYPE.get(level or "", ("", ""))[0]
    return f"{word} {name}".strip()


def front_body(name: str, level: str | None, lang: str = "vi") -> str:
    """The unit's Front committee as the seeds name it: "Ban Thường trực Ủy ban MTTQ xã Đắk Wil"."""
    if lang == "en":
        return f"Standing Committee of the Fatherland Front, {name}"
    return f"Ban Thường trực Ủy ban MTTQ {_lower_type(name, level)}"


def role_name(role: str, tree: str | None, lang: str) -> str:
    """A role's name where no unit is chosen yet (a role picker): by the tree."""
    if role in _FIXED:
        return _pick(_FIXED[role], lang)
    pair = _GENERIC.get((role, _tree(tree)))
    return _pick(pair, lang) if pair else role


def _top(units: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    best: Mapping[str, Any] | None = None
    for u in units:
        if u.get("level") in _RANK and (
            best is None or _RANK[str(u["level"])] > _RANK[str(best["level"])]
        ):
            best = u
    return best


def role_title(role: str, units: Iterable[Mapping[str, Any]], tree: str | None, lang: str) -> str:
    """What a user is, from the role and the units (``{"name", "level"}``) it is bound to:
    ``district_staff`` on Tỉnh Lâm Đồng → "Cán bộ MTTQ tỉnh", on Huyện Cư Jút → "Cán bộ MTTQ
    huyện"; ``commune_staff`` on Phường Bảo Lộc 1 → "Cán bộ MTTQ phường". The highest of the units
    decides; with none known, :func:`role_name`."""
    if role in _FIXED:
        return _pick(_FIXED[role], lang)
    top = _top(units)
    level = None if top is None else str(top["level"])
    if role == "district_staff" and level == "commune":
        return _pick(_OVER_COMMUNES, lang)
    if top is None or (role == "commune_staff" and level != "commune"):
        return role_name(role, tree, lang)
    if role not in ("commune_staff", "district_staff"):
        return role
    kind = unit_type(str(top.get("name") or ""), level, lang)
    if lang == "en":
        return f"{kind[:1].upper()}{kind[1:]} Front staff"
    return f"Cán bộ MTTQ {kind}"
