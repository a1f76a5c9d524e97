"""What a form held back by an expired session would do, in words, for the page that asks the
user to confirm it (``repost_confirm.html``): the action by its path, each field by its label,
a password never shown. A cross-site post lands here and is sent only if the user says so."""

from __future__ import annotations

import re

from server.web.i18n import tr
from shared_schema.entities import ROLES
from shared_schema.titles import role_name

__all__ = ["describe_post"]

# (path pattern, text key of the action); the first group, if any, is shown beside it.
_ACTIONS = (
    (re.compile(r"/web/admin/users"), "add_user"),
    (re.compile(r"/web/admin/users/([^/]+)/password"), "reset_password"),
    (re.compile(r"/web/admin/users/([^/]+)/revoke"), "revoke_user"),
    (re.compile(r"/web/admin/devices/([^/]+)/revoke"), "revoke_device"),
    (re.compile(r"/web/records/([^/]+)/review"), "review"),
    (re.compile(r"/web/records/([^/]+)/resolve"), "resolve_conflict"),
    (re.compile(r"/web/plans"), "new_plan"),
    (re.compile(r"/web/plans/([^/]+)/reports"), "submit_report"),
    (re.compile(r"/web/logout"), "logout"),
)
# A posted field's name → the text key of its label.
_LABELS = {
    "username": "username",
    "password": "password",
    "role": "role",
    "unit": "unit",
    "decision": "review",
    "comment": "comment",
    "field": "field",
    "choice": "choice",
    "value": "edit_value",
    "number": "number",
    "title_vi": "title",
    "title_en": "title_en",
    "issued_on": "issued_on",
    "period_from": "period_from",
    "period_to": "period_to",
    "deadline": "deadline",
}
_SECRET = frozenset({"password"})
# Posted values that are the pages' own codes, shown by their label.
_VALUE_LABELS = {
    ("decision", "approved"): "approve",
    ("decision", "returned"): "return",
    ("choice", "kept"): "keep",
    ("choice", "losing"): "use_other",
    ("choice", "edit"): "edit_value",
}


def describe_post(
    path: str,
    saved: list[tuple[str, str]],
    lang: str,
    unit_names: dict[str, str],
    tree: str | None = None,
) -> dict[str, object]:
    """``{"action", "target", "fields": [(label, value)]}`` of a post to ``path``; a unit by its
    name where ``unit_names`` has it, a role by its name on the server's ``tree``."""
    bare = path.split("?", 1)[0]
    action, target = "unknown_action", ""
    for pattern, key in _ACTIONS:
        m = pattern.fullmatch(bare)
        if m:
            action, target = key, (m.group(1) if m.groups() else "")
            break
    fields = []
    for name, value in saved:
        label = tr(_LABELS[name], lang) if name in _LABELS else name
        if name in _SECRET:
            shown = "•" * 8 if value else ""
        elif name == "role" and value in ROLES:
            shown = role_name(value, tree, lang)
        elif (name, value) in _VALUE_LABELS:
            shown = tr(_VALUE_LABELS[(name, value)], lang)
        elif name == "unit" and value in unit_names:
            shown = f"{unit_names[value]} ({value})"
        else:
            shown = value
        fields.append((label, shown))
    return {"action": tr(action, lang), "target": target, "fields": fields}
