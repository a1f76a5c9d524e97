"""The published schema of parameters that routes read as plain strings.

Routes take these as ``str`` and check them by hand, so that a bad value gets the code SYNC.md names
(``invalid_limit`` 422, ``invalid_cursor`` 400, 404 for a malformed ``{sha256}``) and not FastAPI's
generic 400. Their published schema must still say what the server accepts, or a client built from
the schema sends values the server refuses (a schemathesis run in positive mode finds them).
"""

from __future__ import annotations

from typing import Any

from shared_schema.entities import REVIEW_STATES
from shared_schema.forms import load_default_forms
from shared_schema.hlc import DEVICE_ID_RE

DIGITS_UNIT = {"type": "string", "pattern": "^[0-9]{1,16}$", "description": "A unit code"}
USERNAME = {"type": "string", "pattern": "^[A-Za-z0-9_.@-]{1,64}$"}
DEVICE_ID = {"type": "string", "pattern": f"^{DEVICE_ID_RE.pattern}$"}
SHA256 = {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}


def _list_of(choices: list[str]) -> dict[str, Any]:
    """A comma-separated list of choices, as the export filters take them."""
    one = "(" + "|".join(choices) + ")"
    return {"type": "string", "pattern": f"^{one}(,{one})*$"}


def _choices(entity: str, field: str) -> list[str]:
    found = load_default_forms().latest(entity).field(field)
    if found is None or not found.choices:
        raise KeyError(f"{entity}.{field} has no choices")
    return [c.value for c in found.choices]


# (path, method, parameter) → (schema, required)
PARAMETERS: dict[tuple[str, str, str], tuple[dict[str, Any], bool]] = {
    ("/api/v1/sync/pull", "get", "limit"): (
        {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000},
        False,
    ),
    ("/api/v1/sync/pull", "get", "cursor"): (
        {"type": "string", "pattern": "^c1\\.[0-9]{1,18}\\.[A-Za-z0-9_-]{16}$"},
        False,
    ),
    ("/api/v1/reports/summary", "get", "unit"): (DIGITS_UNIT, True),
    ("/api/v1/exports/{name}", "get", "unit"): (DIGITS_UNIT, True),
    # POST /forms (issue 20): the province or district whose devices get the form
    ("/api/v1/forms", "post", "unit"): (DIGITS_UNIT, True),
    ("/api/v1/forms", "post", "dry_run"): ({"type": "boolean", "default": False}, False),
    ("/api/v1/exports/{name}", "get", "name"): (
        {
            "type": "string",
            "enum": ["records.csv.zip", "records.xlsx", "models.geojson", "media.zip"],
        },
        True,
    ),
    ("/api/v1/exports/{name}", "get", "content_area"): (
        _list_of(_choices("model", "content_area")),
        False,
    ),
    ("/api/v1/exports/{name}", "get", "status"): (_list_of(_choices("model", "status")), False),
    ("/api/v1/exports/{name}", "get", "review_state"): (_list_of(list(REVIEW_STATES)), False),
    ("/api/v1/attachments/{sha256}", "put", "content-range"): (
        {"type": "string", "pattern": "^bytes [0-9]{1,15}-[0-9]{1,15}/[0-9]{1,15}$"},
        True,
    ),
    ("/api/v1/forms/{form_id}/{version}", "get", "version"): (
        {"type": "integer", "minimum": 1, "maximum": 999_999_999},
        True,
    ),
    ("/api/v1/admin/users/{username}/revoke", "post", "username"): (USERNAME, True),
    ("/api/v1/admin/devices/{device_id}/revoke", "post", "device_id"): (DEVICE_ID, True),
    **{
        ("/api/v1/attachments/{sha256}", method, "sha256"): (SHA256, True)
        for method in ("head", "put", "get")
    },
}


def document_parameters(spec: dict[str, Any]) -> None:
    """Write the schemas above into ``spec``; a parameter that is gone is a programming error."""
    for (path, method, name), (schema, required) in PARAMETERS.items():
        params = spec["paths"][path][method].get("parameters", [])
        found = [p for p in params if p["name"] == name]
        if not found:
            raise KeyError(f"{method.upper()} {path} has no parameter {name!r}")
        found[0]["schema"] = {**found[0].get("schema", {}), **schema}
        found[0]["schema"].pop("anyOf", None)
        found[0]["required"] = required
    # Any request can be malformed below the route (bad header framing, a bad Content-Length):
    # the HTTP layer answers 400 invalid_request in the JSON shape, so every operation says so.
    malformed = {
        "description": "`invalid_request`",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for ops in spec["paths"].values():
        for op in ops.values():
            op.setdefault("responses", {}).setdefault("400", malformed)
    push = spec["components"]["schemas"]["PushRequest"]["properties"]
    push["device_id"] = {
        **DEVICE_ID,
        "description": "The device the token is bound to; any other is 400 invalid_request",
    }
    push["changes"]["maxItems"] = 1000
