"""plans, commune reports, and the figures reports aggregate

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:50:00

Issue 10:
- ``plans`` (unique number per issuing unit) and ``plan_reports`` (every submitted version);
- ``record_facts`` (one row per live record: the values reports need, extracted from the JSON on
  write) and ``unit_tallies`` (their sums per unit and key), kept up to date in the push
  transaction by ``server.store.facts.upsert``; backfilled from the existing records by 0004
  (0004 asks for a rebuild, which ``server.db.migrate.upgrade`` runs after the last revision).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plans',
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=200), nullable=False),
    sa.Column('title_vi', sa.Text(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('issued_on', sa.String(length=10), nullable=False),
    sa.Column('period_from', sa.String(length=10), nullable=False),
    sa.Column('period_to', sa.String(length=10), nullable=False),
    sa.Column('deadline', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('plan_id')
    )
    op.create_index('ux_plans_unit_number', 'plans', ['unit', 'number'], unique=True)
    op.create_table('plan_reports',
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.String(length=32), nullable=False),
    sa.Column('submitted_by', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('report_id')
    )
    op.create_index(
        'ix_plan_reports_plan_unit', 'plan_reports', ['plan_id', 'unit', 'submitted_at']
    )
    op.create_table('record_facts',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('review_state', sa.String(length=16), nullable=True),
    sa.Column('day', sa.String(length=10), nullable=True),
    sa.Column('area', sa.String(length=36), nullable=True),
    sa.Column('model', sa.String(length=36), nullable=True),
    sa.Column('visit', sa.String(length=36), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('content_area', sa.String(length=8), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('organization', sa.String(length=32), nullable=True),
    sa.Column('campaigns', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=True),
    sa.Column('missing_sha', sa.String(length=64), nullable=True),
    *[
        sa.Column(name, sa.BigInteger(), nullable=True)
        for name in (
            'people', 'households', 'state_budget_vnd', 'people_contribution_vnd', 'labour_days',
            'economic_value_vnd_per_year', 'households_out_of_poverty', 'attendees',
            'bulletins_printed', 'commendations',
        )
    ],
    sa.PrimaryKeyConstraint('record_id')
    )
    op.create_index('ix_record_facts_unit_entity', 'record_facts', ['unit', 'entity'])
    op.create_index('ix_record_facts_entity_day', 'record_facts', ['entity', 'day'])
    op.create_index('ix_record_facts_visit', 'record_facts', ['visit'])
    op.create_index('ix_record_facts_model', 'record_facts', ['model'])
    op.create_index('ix_record_facts_missing_sha', 'record_facts', ['missing_sha'])
    op.create_table('unit_tallies',
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=96), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('unit', 'key')
    )


def downgrade() -> None:
    op.drop_table('unit_tallies')
    op.drop_index('ix_record_facts_missing_sha', table_name='record_facts')
    op.drop_index('ix_record_facts_model', table_name='record_facts')
    op.drop_index('ix_record_facts_visit', table_name='record_facts')
    op.drop_index('ix_record_facts_entity_day', table_name='record_facts')
    op.drop_index('ix_record_facts_unit_entity', table_name='record_facts')
    op.drop_table('record_facts')
    op.drop_index('ix_plan_reports_plan_unit', table_name='plan_reports')
    op.drop_table('plan_reports')
    op.drop_index('ux_plans_unit_number', table_name='plans')
    op.drop_table('plans')
