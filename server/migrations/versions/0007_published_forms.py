"""form versions published as XLSForms

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 16:45:00

Issue 20 (part B): a province's or district's own form versions, beside the shipped ones.

Written beside issue 19's 0005 (the 2025 reform) and issue 20's 0006 (form set v2): chained after
them when the branches were merged, so the revisions stay one line.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('published_forms',
    sa.Column('form_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('published_by', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('form_id', 'version')
    )
    op.create_index('ix_published_forms_unit', 'published_forms', ['unit'])


def downgrade() -> None:
    op.drop_index('ix_published_forms_unit', table_name='published_forms')
    op.drop_table('published_forms')
