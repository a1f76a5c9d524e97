"""What changed between two form versions: fields added, removed, and changed (and in what).

Shown when an administrator publishes a new version (the staff web's preview, ``POST /forms``'s
answer, ``dkst forms publish``), so that nobody publishes a change they did not mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared_schema.forms import FieldDef, FormDefinition

__all__ = ["ASPECTS", "FieldChange", "FormDiff", "diff_forms"]

# The parts of a field compared, in the order they are reported.
ASPECTS: tuple[str, ...] = (
    "type",
    "required",
    "label",
    "hint",
    "choices",
    "constraints",
    "relevant",
    "default",
    "reference_entity",
)


@dataclass(frozen=True)
class FieldChange:
    name: str
    aspects: tuple[str, ...]


@dataclass(frozen=True)
class FormDiff:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[FieldChange, ...] = ()
    title_changed: bool = False
    entity_changed: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (
            self.added or self.removed or self.changed or self.title_changed or self.entity_changed
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [{"name": c.name, "aspects": list(c.aspects)} for c in self.changed],
            "title_changed": self.title_changed,
        }


def _aspects(old: FieldDef, new: FieldDef) -> tuple[str, ...]:
    a, b = old.model_dump(mode="json"), new.model_dump(mode="json")
    return tuple(k for k in ASPECTS if a.get(k) != b.get(k))


def diff_forms(old: FormDefinition | None, new: FormDefinition) -> FormDiff:
    """``new`` against ``old`` (``None``: every field of ``new`` is added)."""
    if old is None:
        return FormDiff(added=new.field_names)
    old_names = set(old.field_names)
    new_names = set(new.field_names)
    changed = []
    for f in new.fields:
        before = old.field(f.name)
        if before is not None:
            aspects = _aspects(before, f)
            if aspects:
                changed.append(FieldChange(f.name, aspects))
    return FormDiff(
        added=tuple(n for n in new.field_names if n not in old_names),
        removed=tuple(n for n in old.field_names if n not in new_names),
        changed=tuple(changed),
        title_changed=old.title != new.title,
        entity_changed=old.entity != new.entity,
    )
