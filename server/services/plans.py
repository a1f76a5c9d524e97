"""Plans and commune reports (SYNC.md "Plans and commune reports").

The functions the JSON API and the staff pages call (names stable, plain values in and out):

- ``create_plan(conn, principal, data) -> plan``: district staff and administrators, for a
  district or province in their subtree. ``data`` is the plan less ``plan_id``, ``created_by``,
  ``created_at``; a bad field is ``invalid_request`` with ``{"field": <name>}`` in details
  (``number``, ``title``, ``unit``, ``issued_on``, ``period``, ``period.from``, ``period.to``,
  ``deadline``, ``parent_plan_id``, ``document_sha256``); the same number twice for a unit is
  ``already_exists``. Issue 20: ``parent_plan_id`` names the higher plan this one carries out (a
  plan the caller can see, else ``not_found``, issued by the plan's unit or one above it, else
  ``invalid_request``); ``document_sha256`` the plan's document, a PDF the caller has uploaded
  through the attachments channel (size-limited and type-checked there).
- ``list_plans(conn, principal)``: issued in the caller's subtree or above it, newest first.
- ``get_plan(conn, principal, plan_id)``: ``not_found`` when the caller cannot see it.
- ``check_report``, ``add_report``: around the figures ``submissions.submit_report`` freezes.
- ``report_statuses(conn, principal, plan_id) -> [{"unit", "organization", "status", "report",
  "versions"}]``: one entry per commune under the plan's unit in the caller's scope
  (``organization`` null).
- ``organization_statuses(conn, principal, plan_id)``: the same entries, one per member
  organization of the Front at the plan's unit when that unit is in scope (plan 44/KH §IV.2:
  they report to the Front by the same deadline), else none.
- ``report_versions(conn, principal, plan_id, unit, organization=None)``: newest first.

A report has a ``kind``: ``interim`` (sơ kết), ``final`` (tổng kết, the default) or ``thematic``
(chuyên đề); the latest version counts whatever its kind.

A deadline day ends at 24:00 Vietnam time (UTC+7): a report submitted before that instant is
``on_time``, from it on ``late``; a commune with none is ``missing``.

Services raise :class:`~server.errors.ServerError` with catalogue codes; the caller owns the
transaction (a write transaction for ``create_plan`` and ``add_report``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import orjson
from sqlalchemy import Connection

from server.clock import iso, now_ms
from server.errors import ServerError
from server.services import attachments, plans_before
from server.services.auth import MANAGER_ROLES, REVIEWER_ROLES, Principal
from server.store import plans as store_plans
from server.store import units as store_units
from shared_schema.errors import ErrorCode
from shared_schema.ids import UUID_ANY_CASE_RE
from shared_schema.text import nfc

__all__ = [
    "MEMBER_ORGANIZATIONS",
    "PLAN_ROLES",
    "REPORT_KINDS",
    "REPORT_ROLES",
    "add_report",
    "check_report",
    "create_plan",
    "deadline_end_ms",
    "get_plan",
    "latest_reports",
    "list_plans",
    "organization_statuses",
    "plan_out",
    "report_status",
    "report_statuses",
    "report_versions",
]

VIETNAM = dt.timezone(dt.timedelta(hours=7))
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_NUMBER, MAX_TITLE, MAX_COMMENT = 200, 1000, 5000
PLAN_ROLES = MANAGER_ROLES  # who may issue a plan
REPORT_ROLES = REVIEWER_ROLES  # who may submit a commune's report
REPORT_KINDS = ("interim", "final", "thematic")  # sơ kết, tổng kết, chuyên đề
# The Front's member organizations that report on a plan beside the communes (the model form's
# lead_organization values; their labels come from there).
MEMBER_ORGANIZATIONS = (
    "farmers_union",
    "womens_union",
    "youth_union",
    "veterans_association",
    "trade_union",
)
_SHA_RE = re.compile(r"[0-9a-f]{64}")


def _bad(field: str) -> ServerError:
    return ServerError(ErrorCode.INVALID_REQUEST, {"field": field})


def _text(value: Any, field: str, limit: int, *, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise _bad(field)
    text = nfc(value).strip()
    if (not text and not empty) or len(value) > limit or "\x00" in text:
        raise _bad(field)
    return text


def _date(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise _bad(field)
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise _bad(field) from None
    return value


def deadline_end_ms(deadline: str) -> int:
    """The instant a deadline day ends: 24:00 of that day in Vietnam (UTC+7), in Unix ms."""
    day = dt.date.fromisoformat(deadline) + dt.timedelta(days=1)
    end = dt.datetime(day.year, day.month, day.day, tzinfo=VIETNAM)
    return int(end.timestamp() * 1000)


def report_status(deadline: str, submitted_ms: int) -> str:
    return "on_time" if submitted_ms < deadline_end_ms(deadline) else "late"


def plan_out(row: dict[str, Any]) -> dict[str, Any]:
    """A ``plans`` row as SYNC.md shows a plan."""
    return {
        "plan_id": row["plan_id"],
        "number": row["number"],
        "title": {"vi": row["title_vi"], "en": row["title_en"]},
        "unit": row["unit"],
        "issued_on": row["issued_on"],
        "period": {"from": row["period_from"], "to": row["period_to"]},
        "deadline": row["deadline"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "parent_plan_id": row.get("parent_plan_id"),
        "document_sha256": row.get("document_sha256"),
    }


def _report_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "report_id": row["report_id"],
        "plan_id": row["plan_id"],
        "unit": row["unit"],
        "submitted_at": row["submitted_at"],
        "submitted_by": row["submitted_by"],
        "status": row["status"],
        "kind": row.get("kind") or "final",
        "organization": row.get("organization"),
        "comment": row["comment"],
        "figures": orjson.loads(row["figures"]),
    }


def _title(value: Any) -> tuple[str, str | None]:
    if isinstance(value, str):  # a bare string is the Vietnamese title
        return _text(value, "title", MAX_TITLE), None
    if not isinstance(value, dict):
        raise _bad("title")
    en = value.get("en")
    blank = en is None or (isinstance(en, str) and not en.strip())
    return (
        _text(value.get("vi"), "title", MAX_TITLE),
        None if blank else _text(en, "title", MAX_TITLE),
    )


def create_plan(conn: Connection, principal: Principal, data: Any) -> dict[str, Any]:
    if principal.role not in PLAN_ROLES:
        raise ServerError(ErrorCode.FORBIDDEN)
    if not isinstance(data, dict):
        raise ServerError(ErrorCode.INVALID_REQUEST, {"reason": "the body must be a JSON object"})
    number = _text(data.get("number"), "number", MAX_NUMBER)
    title_vi, title_en = _title(data.get("title"))
    unit = data.get("unit")
    if not isinstance(unit, str) or not unit:
        raise _bad("unit")
    issued_on = _date(data.get("issued_on"), "issued_on")
    period = data.get("period")
    if not isinstance(period, dict):
        raise _bad("period")
    start, end = _date(period.get("from"), "period.from"), _date(period.get("to"), "period.to")
    deadline = _date(data.get("deadline"), "deadline")
    issuer = store_units.get_in_scope(conn, unit, principal.units)
    if issuer is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    if issuer["level"] == "commune":  # plans come from a district or province committee
        raise _bad("unit")
    if start > end:
        raise _bad("period.from")
    if deadline < start:
        raise _bad("deadline")
    parent = _parent(conn, principal, data.get("parent_plan_id"), unit)
    document = _document(conn, principal, data.get("document_sha256"))
    row = {
        "plan_id": str(uuid.uuid4()),
        "number": number,
        "title_vi": title_vi,
        "title_en": title_en,
        "unit": unit,
        "issued_on": issued_on,
        "period_from": start,
        "period_to": end,
        "deadline": deadline,
        "created_by": principal.username,
        "created_at": iso(),
        "parent_plan_id": parent,
        "document_sha256": document,
    }
    if not store_plans.add(conn, row):
        raise ServerError(ErrorCode.ALREADY_EXISTS, {"field": "number"})
    return plan_out(row)


def _parent(conn: Connection, principal: Principal, value: Any, unit: str) -> str | None:
    """The higher plan a plan carries out: one the caller sees, of its unit or one above it."""
    if value is None or value == "":
        return None
    parent = _plan_row(conn, principal, value)  # not_found out of sight
    if not store_units.is_under(conn, unit, parent["unit"]):
        raise _bad("parent_plan_id")  # a commune's plan cannot carry out a lower unit's
    return str(parent["plan_id"])


def _document(conn: Connection, principal: Principal, value: Any) -> str | None:
    """The plan's document: a complete PDF the caller may see (uploaded through attachments)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _SHA_RE.fullmatch(value):
        raise _bad("document_sha256")
    found = attachments.readable_file(conn, principal, value)
    if found is None or found[0] != "application/pdf":
        raise _bad("document_sha256")
    return value


def list_plans(conn: Connection, principal: Principal) -> list[dict[str, Any]]:
    return [plan_out(r) for r in store_plans.list_visible(conn, principal.units)]


def _plan_row(conn: Connection, principal: Principal, plan_id: Any) -> dict[str, Any]:
    row = None
    if isinstance(plan_id, str) and UUID_ANY_CASE_RE.fullmatch(plan_id):
        row = store_plans.get_visible(conn, plan_id.lower(), principal.units)
    if row is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    return row


def get_plan(conn: Connection, principal: Principal, plan_id: str) -> dict[str, Any]:
    return plan_out(_plan_row(conn, principal, plan_id))


def _commune_of(conn: Connection, principal: Principal, plan: dict[str, Any], unit: str) -> None:
    """``not_found`` unless ``unit`` is a commune under the plan's unit, in the caller's scope."""
    found = store_units.get_in_scope(conn, unit, principal.units)
    if (
        found is None
        or found["level"] != "commune"
        or not store_units.is_under(conn, unit, plan["unit"])
    ):
        raise ServerError(ErrorCode.NOT_FOUND)


def _organization_unit(
    conn: Connection, principal: Principal, plan: dict[str, Any], unit: str, organization: Any
) -> str:
    """A member organization reports for the plan's own unit, which must be in scope."""
    if organization not in MEMBER_ORGANIZATIONS:
        raise _bad("organization")
    if unit != plan["unit"] or store_units.get_in_scope(conn, unit, principal.units) is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    return str(organization)


def check_report(
    conn: Connection, principal: Principal, plan_id: str, data: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a report is about, checked: (the plan, the report's ``unit``, ``comment``, ``kind``
    and ``organization``). The figures are the caller's to freeze (``services.submissions``)."""
    if principal.role not in REPORT_ROLES:
        raise ServerError(ErrorCode.FORBIDDEN)
    plan = _plan_row(conn, principal, plan_id)
    unit, comment = data.get("unit"), data.get("comment")
    if not isinstance(unit, str) or not unit:
        raise _bad("unit")
    text = "" if comment is None else _text(comment, "comment", MAX_COMMENT, empty=True)
    kind = data.get("kind") or "final"
    if kind not in REPORT_KINDS:
        raise _bad("kind")
    organization = data.get("organization") or None
    if organization is None:
        _commune_of(conn, principal, plan, unit)
    else:
        organization = _organization_unit(conn, principal, plan, unit, organization)
    return plan, {"unit": unit, "comment": text, "kind": kind, "organization": organization}


def add_report(
    conn: Connection,
    principal: Principal,
    plan: dict[str, Any],
    report: dict[str, Any],
    figures: dict[str, Any],
) -> dict[str, Any]:
    """A new version of a report (``check_report``'s), stamped now, on time or late by the plan's
    deadline."""
    ms = now_ms()
    row = {
        "report_id": str(uuid.uuid4()),
        "plan_id": plan["plan_id"],
        **report,
        "submitted_at": iso(ms),
        "submitted_by": principal.username,
        "status": report_status(plan["deadline"], ms),
        # A unit's row may name its columns with SQLAlchemy's str subclass (a district's children).
        "figures": orjson.dumps(figures, option=orjson.OPT_NON_STR_KEYS).decode(),
    }
    store_plans.add_report(conn, row)
    return _report_out(row)


def latest_reports(
    conn: Connection, principal: Principal, plan: dict[str, Any]
) -> list[tuple[dict[str, Any], dict[str, Any] | None, int]]:
    """(commune, its latest report or None, versions) per commune under the plan's unit in scope;
    for a plan made before the 2025 reform, its old communes (:mod:`server.services.plans_before`)."""
    old = plans_before.old_unit(conn, plan)
    if old is not None:
        return plans_before.latest_reports(conn, principal, plan, old, _report_out)
    communes = store_units.communes_in_scope_under(conn, plan["unit"], principal.units)
    latest = store_plans.latest_under(conn, plan["plan_id"], plan["unit"], principal.units)
    out = []
    for c in communes:
        row, n = latest.get(c["code"], (None, 0))
        out.append((c, None if row is None else _report_out(row), n))
    return out


def _entry(
    unit: dict[str, Any], organization: str | None, report: dict[str, Any] | None, n: int
) -> dict[str, Any]:
    return {
        "unit": unit,
        "organization": organization,
        "status": "missing" if report is None else report["status"],
        "report": report,
        "versions": n,
    }


def organization_statuses(
    conn: Connection, principal: Principal, plan_id: str
) -> list[dict[str, Any]]:
    """One entry per member organization at the plan's unit, when that unit is in scope."""
    plan = _plan_row(conn, principal, plan_id)
    issuer = store_units.get_in_scope(conn, plan["unit"], principal.units)
    if issuer is None:
        return []
    unit = {k: issuer[k] for k in ("code", "name", "level")}
    latest = store_plans.latest_under(
        conn, plan["plan_id"], plan["unit"], principal.units, organizations=True
    )
    out = []
    for org in MEMBER_ORGANIZATIONS:
        row, n = latest.get((plan["unit"], org), (None, 0))
        out.append(_entry(unit, org, None if row is None else _report_out(row), n))
    return out


def report_statuses(conn: Connection, principal: Principal, plan_id: str) -> list[dict[str, Any]]:
    plan = _plan_row(conn, principal, plan_id)
    communes = [
        _entry(commune, None, report, n)
        for commune, report, n in latest_reports(conn, principal, plan)
    ]
    return communes


def report_versions(
    conn: Connection,
    principal: Principal,
    plan_id: str,
    unit: str,
    organization: str | None = None,
) -> list[dict[str, Any]]:
    plan = _plan_row(conn, principal, plan_id)
    if organization:
        organization = _organization_unit(conn, principal, plan, unit, organization)
        rows = store_plans.reports_of(conn, plan["plan_id"], unit, organization)
        return [_report_out(r) for r in rows]
    old = plans_before.old_unit(conn, plan)
    before = plans_before.versions(conn, principal, plan, old, unit) if old is not None else None
    if before is not None:
        return [_report_out(r) for r in before]
    _commune_of(conn, principal, plan, unit)
    return [_report_out(r) for r in store_plans.reports_of(conn, plan["plan_id"], unit)]
