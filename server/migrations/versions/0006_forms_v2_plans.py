"""form set v2's figures, a plan's parent and document, a report's kind and organization

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 16:30:00

Issue 20:
- ``record_facts.extra``: the figures of form set "Đoàn kết sáng tạo v2" (who takes part, the
  visits' scores, productivity gain, recommendation, contests, commendations, initiatives
  applied, evidence by parent) as a JSON object of tally keys; the facts are rebuilt
  (``facts_rebuild``, as revision 0004 does) so that records already stored count too;
- ``plans.parent_plan_id`` and ``plans.document_sha256``;
- ``plan_reports.kind`` (``final`` for the reports already stored) and
  ``plan_reports.organization``.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('record_facts', sa.Column('extra', sa.Text(), nullable=True))
    op.add_column('plans', sa.Column('parent_plan_id', sa.String(length=36), nullable=True))
    op.add_column('plans', sa.Column('document_sha256', sa.String(length=64), nullable=True))
    op.create_index('ix_plans_document', 'plans', ['document_sha256'])
    op.add_column(
        'plan_reports',
        sa.Column('kind', sa.String(length=16), nullable=False, server_default='final'),
    )
    op.add_column('plan_reports', sa.Column('organization', sa.String(length=32), nullable=True))
    op.execute("DELETE FROM server_meta WHERE key = 'facts_rebuild'")
    op.execute("INSERT INTO server_meta (key, value) VALUES ('facts_rebuild', '1')")


def downgrade() -> None:
    with op.batch_alter_table('plan_reports') as batch:
        batch.drop_column('organization')
        batch.drop_column('kind')
    op.drop_index('ix_plans_document', table_name='plans')
    with op.batch_alter_table('plans') as batch:
        batch.drop_column('document_sha256')
        batch.drop_column('parent_plan_id')
    with op.batch_alter_table('record_facts') as batch:
        batch.drop_column('extra')
