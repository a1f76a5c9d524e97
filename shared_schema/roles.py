"""Who may act on whom (issue 16): the roles in order, and the rule of every admin action.

An administrator's or district staff member's action on a user (add, reset the password, revoke,
revoke a device for them, print their set-up code) is allowed only on a user whose role the actor
could grant there: a role below the actor's own, or the actor's own role on units strictly below
the actor's units (a province's staff manage a district's staff). Never a role above, and never a
peer on the actor's own units: district staff cannot take over their district's administrator, nor
each other. Whether the user lies in the actor's subtree at all is the caller's check (scope).
"""

from __future__ import annotations

from collections.abc import Iterable

from shared_schema.entities import ROLES

__all__ = ["MANAGER_ROLES", "REVIEWER_ROLES", "grantable_roles", "may_grant"]

# Roles that may review (set review_state / review_comment) and that may manage users/devices.
REVIEWER_ROLES = frozenset({"commune_staff", "district_staff", "admin"})
MANAGER_ROLES = frozenset({"district_staff", "admin"})
_RANK = {role: i for i, role in enumerate(ROLES)}


def may_grant(actor_role: str, actor_units: Iterable[str], role: str, units: Iterable[str]) -> bool:
    """Whether an actor may give ``role`` on ``units``, and so act on a user who holds it there.

    ``units`` must already lie in the actor's subtree; this rule only compares the roles.
    """
    if actor_role not in MANAGER_ROLES or role not in _RANK:
        return False
    if _RANK[role] < _RANK[actor_role]:
        return True
    targets = set(units)
    return _RANK[role] == _RANK[actor_role] and bool(targets) and not targets & set(actor_units)


def grantable_roles(actor_role: str) -> tuple[str, ...]:
    """The roles an actor may give somewhere: below its own, and its own on units below."""
    if actor_role not in MANAGER_ROLES:
        return ()
    return tuple(r for r in ROLES if _RANK[r] <= _RANK[actor_role])
