"""Which level of administrative unit a record may belong to (SYNC.md "Records").

A residential area belongs to a commune. A model, initiative or activity belongs to a commune, or
to a district or province whose own Front committee or member organization runs it (plan
44/KH-MTTQ-BTT §IV.2: member organizations build models at their own level). A model of a commune
names its residential area; a model of a higher unit names none. A visit or an evidence record
carries the unit of the model (or visit) it names, so it may sit at any of those levels too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared_schema.errors import ChangeErrorCode

__all__ = ["UNIT_LEVELS", "level_issues", "waived_required"]

_ANY = frozenset({"commune", "district", "province"})
UNIT_LEVELS: dict[str, frozenset[str]] = {
    "residential_area": frozenset({"commune"}),
    "model": _ANY,
    "visit": _ANY,
    "evidence": _ANY,
    "initiative": _ANY,
    "activity": _ANY,
}
# Fields a record names only when it belongs to a commune.
_COMMUNE_ONLY: dict[str, frozenset[str]] = {"model": frozenset({"residential_area"})}


def waived_required(entity: str, level: str | None) -> frozenset[str]:
    """Required fields of the form that a record of ``level`` does not carry."""
    if level is None or level == "commune":
        return frozenset()
    return _COMMUNE_ONLY.get(entity, frozenset())


def level_issues(
    entity: str, level: str | None, fields: Mapping[str, Any]
) -> list[tuple[str, ChangeErrorCode]]:
    """(field, code) problems of a record of ``entity`` at a unit of ``level`` (None: unknown)."""
    if level not in UNIT_LEVELS.get(entity, frozenset()):
        return [("unit", ChangeErrorCode.INVALID_VALUE)]
    return [
        (name, ChangeErrorCode.INVALID_VALUE)
        for name in sorted(waived_required(entity, level))
        if fields.get(name) is not None
    ]
