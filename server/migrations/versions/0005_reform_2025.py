"""the 2025 reform: the legacy units kept, and what the reform moved and chose

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 17:00:00

Issue 19: ``dkst units reform`` moves a server from the legacy tree to the current one. It keeps
the legacy units (``units_before_2025``), the old unit of every record it placed elsewhere
(``record_units_before_2025``, for the old grouping of reports), of every plan and commune report
(``plan_units_before_2025``, ``report_units_before_2025``), and what needed a choice
(``reform_choices``).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('units_before_2025',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('parent', sa.String(length=16), nullable=True),
    sa.Column('became', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_index('ix_units_before_2025_parent', 'units_before_2025', ['parent'])
    op.create_table('record_units_before_2025',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('unit_before_2025', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('record_id')
    )
    op.create_index(
        'ix_record_units_before_2025_unit_before_2025',
        'record_units_before_2025',
        ['unit_before_2025'],
    )
    op.create_table('reform_choices',
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('unit_before_2025', sa.String(length=16), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('by', sa.String(length=16), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('parts', sa.Text(), nullable=False),
    sa.Column('checked_by', sa.String(length=64), nullable=True),
    sa.Column('checked_at', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('record_id')
    )
    op.create_index('ix_reform_choices_unit', 'reform_choices', ['unit'])
    op.create_table('plan_units_before_2025',
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('unit_before_2025', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('plan_id')
    )
    op.create_table('report_units_before_2025',
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('unit_before_2025', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('report_id')
    )


def downgrade() -> None:
    op.drop_table('report_units_before_2025')
    op.drop_table('plan_units_before_2025')
    op.drop_index('ix_reform_choices_unit', table_name='reform_choices')
    op.drop_table('reform_choices')
    op.drop_index(
        'ix_record_units_before_2025_unit_before_2025', table_name='record_units_before_2025'
    )
    op.drop_table('record_units_before_2025')
    op.drop_index('ix_units_before_2025_parent', table_name='units_before_2025')
    op.drop_table('units_before_2025')
