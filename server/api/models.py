"""Wire shapes of plans, commune reports and the summary (SYNC.md), for OpenAPI and responses.

Request bodies of plans and reports are parsed by hand in the services (each bad field named in
``details``); their published schemas (:data:`PLAN_BODY`, :data:`REPORT_BODY`) say what the
server accepts.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from server.api.openapi import DIGITS_UNIT


class UnitRef(BaseModel):
    code: str
    name: str
    level: str


class PlanTitle(BaseModel):
    vi: str
    en: str | None


class PlanPeriod(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str


class Plan(BaseModel):
    plan_id: str
    number: str
    title: PlanTitle
    unit: str
    issued_on: str
    period: PlanPeriod
    deadline: str
    created_by: str
    created_at: str
    parent_plan_id: str | None = None  # the higher plan this one carries out
    document_sha256: str | None = None  # the plan's PDF, read by GET /attachments/{sha256}


ReportKind = Literal["interim", "final", "thematic"]  # sơ kết, tổng kết, chuyên đề
Organization = Literal[
    "farmers_union", "womens_union", "youth_union", "veterans_association", "trade_union"
]


class Report(BaseModel):
    report_id: str
    plan_id: str
    unit: str
    submitted_at: str
    submitted_by: str
    status: Literal["on_time", "late"]
    kind: ReportKind
    organization: Organization | None
    comment: str
    figures: dict[str, Any]


class ReportEntry(BaseModel):
    unit: UnitRef
    organization: Organization | None  # null: the commune's own report
    status: Literal["on_time", "late", "missing"]
    report: Report | None
    versions: int


class Groups(BaseModel):
    """Who takes part (form set v2): party members, youth and students, religious dignitaries and
    followers, ethnic minority people."""

    party_members: int
    youth_students: int
    religious_followers: int
    ethnic_minority: int


class ProductivityGain(BaseModel):
    models: int  # models that state a productivity gain
    average_pct: float | None


class ModelCounts(BaseModel):
    by_content_area: dict[str, int]
    by_status: dict[str, int]
    by_organization: dict[str, int]
    by_campaign: dict[str, int]
    by_recommendation: dict[str, int]
    productivity_gain: ProductivityGain
    participants_by_group: Groups
    with_results: int
    with_shortcomings: int


class Score(BaseModel):
    visits: int  # visits that gave this score
    average: float | None


class Contributions(BaseModel):
    state_budget_vnd: int
    people_contribution_vnd: int
    labour_days: int


class Results(BaseModel):
    economic_value_vnd_per_year: int
    households_out_of_poverty: int


class InitiativeCounts(BaseModel):
    by_status: dict[str, int]
    applied: int
    applied_by_year: dict[str, int]


class ActivityCounts(BaseModel):
    by_kind: dict[str, int]
    attendees: int
    bulletins_printed: int
    commendations: int
    commended_collectives: int
    commended_individuals: int
    contest_entrants: int
    broadcasts: int
    participants_by_group: Groups
    with_results: int
    with_shortcomings: int


class Figures(BaseModel):
    models: ModelCounts
    participants: int
    households: int
    contributions: Contributions
    results: Results
    visits: int
    evidence: int
    evidence_missing: int
    initiatives: InitiativeCounts
    activities: ActivityCounts
    visit_scores: dict[str, Score]
    evidence_by_parent: dict[str, int]


class ReportStatus(BaseModel):
    status: Literal["on_time", "late", "missing"]
    submitted_at: str | None


class SummaryChild(Figures):
    unit: UnitRef
    report: ReportStatus | None


class Summary(BaseModel):
    """``GET /reports/summary``: a unit's figures, its own records', and its children's."""

    unit: UnitRef
    plan: Plan | None
    totals: Figures
    own: Figures | None
    children: list[SummaryChild]
    # With grouping=before_2025 only: the children are the units before the 2025 reform, and
    # the same figures per old district (docs/SYNC.md, "Where this server decides").
    grouping: Literal["units", "before_2025"] | None = None
    districts: list[SummaryChild] | None = None


_DATE = {"type": "string", "format": "date", "example": "2022-11-20"}
# Some non-space character, and no NUL (which no database stores in text).
_TEXT = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
PLAN_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["number", "title", "unit", "issued_on", "period", "deadline"],
    "properties": {
        "number": {
            "type": "string",
            "maxLength": 200,
            "pattern": _TEXT,
            "example": "44/KH-MTTQ-BTT",
        },
        "title": {
            "type": "object",
            "required": ["vi"],
            "properties": {
                "vi": {"type": "string", "maxLength": 1000, "pattern": _TEXT},
                "en": {"type": ["string", "null"], "maxLength": 1000, "pattern": "^[^\\u0000]*$"},
            },
        },
        "unit": DIGITS_UNIT,
        "issued_on": _DATE,
        "period": {
            "type": "object",
            "required": ["from", "to"],
            "properties": {"from": _DATE, "to": _DATE},
        },
        "deadline": _DATE,
        "parent_plan_id": {"type": ["string", "null"], "format": "uuid"},
        "document_sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
    },
}
REPORT_BODY: dict[str, Any] = {
    "type": "object",
    "required": ["unit"],
    "properties": {
        "unit": DIGITS_UNIT,
        "comment": {"type": "string", "maxLength": 5000, "pattern": "^[^\\u0000]*$"},
        "kind": {"type": "string", "enum": ["interim", "final", "thematic"]},
        "organization": {
            "type": ["string", "null"],
            "enum": [
                "farmers_union",
                "womens_union",
                "youth_union",
                "veterans_association",
                "trade_union",
                None,
            ],
        },
    },
}


def body_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` for a hand-parsed JSON body."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }
