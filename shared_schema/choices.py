"""Value sets that reports, exports and filters share, read from the form definitions.

The five content areas of the movement are the choices of the model form's ``content_area``
field: they are taken from there, so a new form version that changes them changes every filter
and report with it. Review states belong to no form (``review_state`` is a system field, set by
staff on any record), so they stay in :mod:`shared_schema.entities` and are only re-exported.
"""

from __future__ import annotations

from functools import cache

from shared_schema.entities import REVIEW_STATES
from shared_schema.forms import load_default_forms

__all__ = ["REVIEW_STATES", "choice_values", "content_areas"]


@cache
def choice_values(entity: str, field: str) -> tuple[str, ...]:
    """The choice values of ``field`` in the latest bundled form of ``entity``."""
    definition = load_default_forms().latest(entity).field(field)
    if definition is None or not definition.choice_values:
        raise LookupError(f"the {entity} form has no choice field {field!r}")
    return definition.choice_values


def content_areas() -> tuple[str, ...]:
    """The movement's content areas (``"1"`` … ``"5"``), as the model form lists them."""
    return choice_values("model", "content_area")
