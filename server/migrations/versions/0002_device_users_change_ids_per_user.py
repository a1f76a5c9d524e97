"""device ids carry several users; change ids are idempotency keys per user

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:40:00

- ``device_users``: one row per (device, user) that logged in on the device, with its own
  revocation, so that a revocation over HTTP reaches only users inside the caller's subtree (issue
  7: a district of another province could revoke or hide a victim's device through
  ``devices.last_user_id``). Filled from the tokens and the last user of every device.
- ``changes``: ``change_id`` unique per user instead of server-wide, so that a change id sent by a
  user of another scope is neither ``duplicate`` nor ``change_id_reused`` (both told that it
  existed).
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('device_users',
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('first_seen', sa.String(length=32), nullable=False),
    sa.Column('last_seen', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('device_id', 'user_id')
    )
    op.create_index('ix_device_users_user_id', 'device_users', ['user_id'], unique=False)
    # Every pair seen so far: the tokens' and each device's last user. A device revoked before
    # this revision stays revoked server-wide (devices.revoked), for every user.
    op.execute(
        "INSERT INTO device_users (device_id, user_id, revoked, first_seen, last_seen) "
        "SELECT t.device_id, t.user_id, FALSE, MIN(t.created_at), MAX(t.created_at) "
        "FROM tokens t GROUP BY t.device_id, t.user_id"
    )
    op.execute(
        "INSERT INTO device_users (device_id, user_id, revoked, first_seen, last_seen) "
        "SELECT d.device_id, d.last_user_id, d.revoked, d.first_seen, d.last_seen FROM devices d "
        "WHERE d.last_user_id IS NOT NULL AND d.last_user_id IN (SELECT id FROM users) "
        "AND NOT EXISTS (SELECT 1 FROM device_users du "
        "WHERE du.device_id = d.device_id AND du.user_id = d.last_user_id)"
    )
    # The server-wide unique constraint on change_id was made unnamed by 0001: name it for batch.
    naming = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for uq in sa.inspect(bind).get_unique_constraints("changes"):
            if uq["column_names"] == ["change_id"]:
                op.drop_constraint(str(uq["name"]), "changes", type_="unique")
        op.drop_column("devices", "last_user_id")
    else:
        with op.batch_alter_table("changes", naming_convention=naming, recreate="always") as b:
            b.drop_constraint("uq_changes_change_id", type_="unique")
        with op.batch_alter_table("devices", recreate="always") as b:
            b.drop_column("last_user_id")
    op.create_index(
        "ux_changes_change_id_user_id", "changes", ["change_id", "user_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_changes_change_id_user_id", table_name="changes")
    with op.batch_alter_table("changes") as b:
        b.create_unique_constraint("uq_changes_change_id", ["change_id"])
    with op.batch_alter_table("devices") as b:
        b.add_column(sa.Column("last_user_id", sa.Integer(), nullable=True))
    op.drop_index("ix_device_users_user_id", table_name="device_users")
    op.drop_table("device_users")
