"""The server's tables (SQLAlchemy Core). Alembic migrations in ``server/migrations`` create them.

Long module: every table in one place, the one ``MetaData`` the migrations and the store read.

- ``changes`` is the append-only change log: every accepted change with its original ``change_id``
  and ``hlc`` (so a commune hub can forward it to another server unchanged), who sent it from which
  device and when. It is the audit log and the idempotency memory of push.
- ``records.seq`` is the ``seq`` of the last change applied to the record; pull walks it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

server_meta = Table(
    "server_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

units = Table(
    "units",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", String(32), nullable=False),
    Column("parent", String(16), nullable=True, index=True),
    Column("source", String(16), nullable=False),
)

# Every (ancestor, descendant) pair, the unit itself included: scope checks are one join.
unit_closure = Table(
    "unit_closure",
    metadata,
    Column("ancestor", String(16), primary_key=True),
    Column("descendant", String(16), primary_key=True),
    Index("ix_unit_closure_descendant", "descendant"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", String(32), nullable=False),
)

user_units = Table(
    "user_units",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("unit", String(16), primary_key=True),
)

# A device id belongs to no one scope (SYNC.md "Identity and auth"): several users may use one
# phone. ``revoked`` here is the server-wide revocation of ``dkst devices revoke``; a revocation over
# HTTP reaches only the (device, user) pairs of ``device_users`` inside the caller's subtree.
devices = Table(
    "devices",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("first_seen", String(32), nullable=False),
    Column("last_seen", String(32), nullable=False),
)

device_users = Table(
    "device_users",
    metadata,
    Column("device_id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("first_seen", String(32), nullable=False),
    Column("last_seen", String(32), nullable=False),
    Index("ix_device_users_user_id", "user_id"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("device_id", String(64), nullable=False, index=True),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(128), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", BigInteger, nullable=False),
    Index("ix_login_failures_username_at", "username", "at"),
    Index("ix_login_failures_address_at", "address", "at"),
)

records = Table(
    "records",
    metadata,
    Column("record_id", String(36), primary_key=True),
    Column("entity", String(32), nullable=False),
    Column("unit", String(16), nullable=True),
    Column("rev", Integer, nullable=False),
    Column("fields", Text, nullable=False),  # JSON object
    Column("meta", Text, nullable=False),  # JSON: field -> [hlc, rev]
    Column("deleted", Boolean, nullable=False, default=False),
    Column("deleted_hlc", String(96), nullable=True),
    Column("form_id", String(64), nullable=True),
    Column("form_version", Integer, nullable=True),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Index("ix_records_seq", "seq"),
    Index("ix_records_unit_entity", "unit", "entity"),
)

changes = Table(
    "changes",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    # Idempotency is per user: a change_id another user sent says nothing across scopes.
    Column("change_id", String(36), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("record_id", String(36), nullable=False, index=True),
    Column("entity", String(32), nullable=False),
    Column("op", String(8), nullable=False),
    Column("base_rev", Integer, nullable=True),
    Column("hlc", String(96), nullable=False),
    Column("fields", Text, nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("user_id", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("rev", Integer, nullable=False),
    Column("conflicts", Text, nullable=False),  # JSON list of field names
    Column("received_at", String(32), nullable=False),
    Index("ux_changes_change_id_user_id", "change_id", "user_id", unique=True),
)

# Losing values of conflicts, kept for a reviewer.
conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("record_id", String(36), nullable=False, index=True),
    Column("field", String(128), nullable=False),
    Column("change_id", String(36), nullable=False),
    Column("losing_value", Text, nullable=False),
    Column("losing_hlc", String(96), nullable=False),
    Column("winning_value", Text, nullable=False),
    Column("winning_hlc", String(96), nullable=False),
    Column("rev", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("resolved_at", String(32), nullable=True),
    Column("resolved_by", Integer, nullable=True),
)

# Complete, verified files (content-addressed: stored once whoever uploaded them).
attachments = Table(
    "attachments",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("media_type", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("completed_at", String(32), nullable=False),
)

# Uploads in progress, one per (file, user): offsets and totals never leak across users.
attachment_uploads = Table(
    "attachment_uploads",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("user_id", Integer, primary_key=True),
    Column("media_type", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("received", BigInteger, nullable=False),
    Column("started_at", String(32), nullable=False),
)

# Which users uploaded (or started uploading) a file: a file is visible to its uploaders.
attachment_uploaders = Table(
    "attachment_uploaders",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("user_id", Integer, primary_key=True),
    Column("started_at", String(32), nullable=False),
)

# Evidence records name files by hash: the join that makes a file visible in a scope.
evidence_files = Table(
    "evidence_files",
    metadata,
    Column("record_id", String(36), primary_key=True),
    Column("sha256", String(64), nullable=False, index=True),
    Column("unit", String(16), nullable=True),
)

# ---------------------------------------------------------------------------- plans (issue 10)
# A plan (kế hoạch) of a district or province committee, with its period and report deadline.
plans = Table(
    "plans",
    metadata,
    Column("plan_id", String(36), primary_key=True),
    Column("number", String(200), nullable=False),
    Column("title_vi", Text, nullable=False),
    Column("title_en", Text, nullable=True),
    Column("unit", String(16), nullable=False),
    Column("issued_on", String(10), nullable=False),
    Column("period_from", String(10), nullable=False),
    Column("period_to", String(10), nullable=False),
    Column("deadline", String(10), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    # Issue 20: the higher plan this one carries out ("Thực hiện Kế hoạch số 169/KH-MTTQ-BTT"),
    # and the plan's own document, a PDF sent through the attachments channel (its SHA-256).
    Column("parent_plan_id", String(36), nullable=True),
    Column("document_sha256", String(64), nullable=True),
    Index("ux_plans_unit_number", "unit", "number", unique=True),
    Index("ix_plans_document", "document_sha256"),
)

# Every submission of a commune's report against a plan: a new row (version) each time.
plan_reports = Table(
    "plan_reports",
    metadata,
    Column("report_id", String(36), primary_key=True),
    Column("plan_id", String(36), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("submitted_at", String(32), nullable=False),
    Column("submitted_by", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("comment", Text, nullable=False),
    Column("figures", Text, nullable=False),  # JSON: the commune's summary, frozen
    # Issue 20: the report's kind (interim "sơ kết", final "tổng kết", thematic "chuyên đề"), and
    # the member organization that sends it (plan 44/KH §IV.2), null for a commune's own report.
    Column("kind", String(16), nullable=False, server_default="final"),
    Column("organization", String(32), nullable=True),
    Index("ix_plan_reports_plan_unit", "plan_id", "unit", "submitted_at"),
)

# ---------------------------------------------------------------------------- report facts (issue 10)
# One row per live (not deleted) record with a unit: the values reports aggregate, extracted from
# ``records.fields`` in the push transaction (server/store/facts.py), so no report parses JSON.
# ``day`` is the record's own date for the plan period rule (model start_date, visit visit_date,
# initiative submitted_date, activity date); ``area``/``model``/``visit`` are its references (an
# evidence's ``model`` is what it names other than a visit: a model, an initiative or an activity).
record_facts = Table(
    "record_facts",
    metadata,
    Column("record_id", String(36), primary_key=True),
    Column("entity", String(32), nullable=False),
    Column("unit", String(16), nullable=False),
    Column("review_state", String(16), nullable=True),
    Column("day", String(10), nullable=True),
    Column("area", String(36), nullable=True),
    Column("model", String(36), nullable=True),
    Column("visit", String(36), nullable=True),
    Column("name", Text, nullable=True),
    Column("content_area", String(8), nullable=True),
    Column("status", String(32), nullable=True),
    Column("organization", String(32), nullable=True),
    Column("campaigns", Text, nullable=True),  # choice values joined by ","
    Column("kind", String(32), nullable=True),
    # An evidence record's file hash while the file had not reached the server when the fact was
    # written ("" when it names none): evidence_missing re-checks only these against attachments.
    Column("missing_sha", String(64), nullable=True),
    Column("people", BigInteger, nullable=True),
    Column("households", BigInteger, nullable=True),
    Column("state_budget_vnd", BigInteger, nullable=True),
    Column("people_contribution_vnd", BigInteger, nullable=True),
    Column("labour_days", BigInteger, nullable=True),
    Column("economic_value_vnd_per_year", BigInteger, nullable=True),
    Column("households_out_of_poverty", BigInteger, nullable=True),
    Column("attendees", BigInteger, nullable=True),
    Column("bulletins_printed", BigInteger, nullable=True),
    Column("commendations", BigInteger, nullable=True),
    # Issue 20's figures, as a JSON object of tally key → number (server/store/fact_keys.py
    # ``extras``): one column for the many small counts of form set v2, summed like the others.
    Column("extra", Text, nullable=True),
    # Where the record counts (migration 0004, server/store/periods.py): the plan period rule's
    # ``p_rule`` ("r" within the period, "u" up to its end) and ``p_day`` (its own date, or for
    # evidence its visit's, else its model's), and ``p_area`` (the residential area a commune's
    # summary puts it under: a model's own, a visit's or evidence's (visit's) model's). Kept up to
    # date when a record they are read from changes.
    Column("p_rule", String(1), nullable=True),
    Column("p_day", String(10), nullable=True),
    Column("p_area", String(36), nullable=True),
    Index("ix_record_facts_unit_entity", "unit", "entity"),
    Index("ix_record_facts_placed", "unit", "p_rule", "entity", "p_day"),
    Index("ix_record_facts_entity_day", "entity", "day"),
    Index("ix_record_facts_visit", "visit"),
    Index("ix_record_facts_model", "model"),
    Index("ix_record_facts_missing_sha", "missing_sha"),
)

# Per unit, the sums of every figure of the summary over that unit's own records (keys such as
# ``model``, ``model.status.operating``, ``activity.attendees``; see server/store/facts.py),
# kept by deltas in the push transaction: a province's summary reads a few thousand rows.
unit_tallies = Table(
    "unit_tallies",
    metadata,
    Column("unit", String(16), primary_key=True),
    Column("key", String(96), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

# The same sums per unit by the plan period rule's ``rule`` and date bucket (``grain`` "y": a
# year ``YYYY``, "m": a month ``YYYY-MM``): a plan's summary adds whole years and months and reads
# the facts only for the days of a month its period cuts (server/store/periods.py).
period_tallies = Table(
    "period_tallies",
    metadata,
    Column("unit", String(16), primary_key=True),
    Column("rule", String(1), primary_key=True),
    Column("grain", String(1), primary_key=True),
    Column("bucket", String(7), primary_key=True),
    Column("key", String(96), primary_key=True),
    Column("n", BigInteger, nullable=False),
)

# ---------------------------------------------------------------------------- the 2025 reform (issue 19)
# ``dkst units reform`` moves a server from the legacy tree to the current one in one transaction
# (server/services/reform.py). The legacy units it had are kept here, with the new commune each
# became by default, so plans, frozen reports and the old grouping still read their old names.
units_before_2025 = Table(
    "units_before_2025",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", String(32), nullable=False),
    Column("parent", String(16), nullable=True, index=True),
    Column(
        "became", String(16), nullable=True
    ),  # its new unit by default (a commune's default part)
)

# Every record the reform (or a device's pre-reform create after it) placed off its old unit:
# the old grouping of reports joins it to the facts.
record_units_before_2025 = Table(
    "record_units_before_2025",
    metadata,
    Column("record_id", String(36), primary_key=True),
    Column("unit_before_2025", String(16), nullable=False, index=True),
)

# What needed a choice ("split", "merged_earlier", "district_ended", "assigned"), for staff to
# check and correct from the web: one row per record placed by a choice, with the parts it could go to.
reform_choices = Table(
    "reform_choices",
    metadata,
    Column("record_id", String(36), primary_key=True),
    Column("entity", String(32), nullable=False),
    Column("unit_before_2025", String(16), nullable=False),
    Column("unit", String(16), nullable=False, index=True),
    Column("by", String(16), nullable=False),  # "default" | "area" | "assigned" | "province"
    Column("reasons", Text, nullable=False),  # JSON list
    Column("parts", Text, nullable=False),  # JSON list of codes it may be moved to
    Column("checked_by", String(64), nullable=True),
    Column("checked_at", String(32), nullable=True),
)

# Plans and commune reports made on the legacy tree: their old unit, shown by its old name.
plan_units_before_2025 = Table(
    "plan_units_before_2025",
    metadata,
    Column("plan_id", String(36), primary_key=True),
    Column("unit_before_2025", String(16), nullable=False),
)
report_units_before_2025 = Table(
    "report_units_before_2025",
    metadata,
    Column("report_id", String(36), primary_key=True),
    Column("unit_before_2025", String(16), nullable=False),
)


# Form versions a province or district published as XLSForms (issue 20; migration 0007),
# beside the definitions shipped in shared_schema. Immutable: a row is inserted, never updated.
# ``definition`` is the canonical JSON whose SHA-256 is ``sha256``; ``unit`` is the publishing
# unit, whose subtree's devices receive the form (server/store/forms.py).
published_forms = Table(
    "published_forms",
    metadata,
    Column("form_id", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("entity", String(32), nullable=False),
    Column("unit", String(16), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),
    Column("definition", Text, nullable=False),
    Column("published_by", String(64), nullable=False),
    Column("published_at", String(32), nullable=False),
)
