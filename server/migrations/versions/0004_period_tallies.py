"""facts placed by the plan period rule, and the sums per unit by year and month

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 01:30:00

Issue 10: a plan's summary and a commune's read sums kept on write instead of joining fact rows.
- ``record_facts`` gains ``p_rule``, ``p_day``, ``p_area`` (where a record counts: the period
  rule's date, for evidence its visit's or model's; the residential area of a visit or evidence
  through its model) and an index on ``(unit, p_rule, p_day)``;
- ``period_tallies``: the figures of ``unit_tallies`` per rule and per year and month.
Both kept in the push transaction by ``server.store.facts.upsert``. The facts, ``unit_tallies``
and ``period_tallies`` are derived from the stored records: this revision only asks for them to be
rebuilt (``facts_rebuild`` in ``server_meta``), and ``server.db.migrate.upgrade`` rebuilds them
once every revision has run, with the code of the schema then in place. (It used to call the live
store code from here, which would break as soon as a later revision changed what that code writes.)
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('record_facts', sa.Column('p_rule', sa.String(length=1), nullable=True))
    op.add_column('record_facts', sa.Column('p_day', sa.String(length=10), nullable=True))
    op.add_column('record_facts', sa.Column('p_area', sa.String(length=36), nullable=True))
    op.create_index(
        'ix_record_facts_placed', 'record_facts', ['unit', 'p_rule', 'entity', 'p_day']
    )
    op.create_table('period_tallies',
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.Column('rule', sa.String(length=1), nullable=False),
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('bucket', sa.String(length=7), nullable=False),
    sa.Column('key', sa.String(length=96), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('unit', 'rule', 'grain', 'bucket', 'key')
    )
    # The backfill is derived data: server.db.migrate.upgrade does it after the last revision.
    op.execute("DELETE FROM server_meta WHERE key = 'facts_rebuild'")
    op.execute("INSERT INTO server_meta (key, value) VALUES ('facts_rebuild', '1')")


def downgrade() -> None:
    op.drop_table('period_tallies')
    op.drop_index('ix_record_facts_placed', table_name='record_facts')
    with op.batch_alter_table('record_facts') as batch:
        batch.drop_column('p_area')
        batch.drop_column('p_day')
        batch.drop_column('p_rule')
