"""communities, categories and memberships are kept by version; a left membership stays, marked"""

import sqlalchemy as sa
from alembic import op

from services.registry.replica_migrations import add_replica_versions, drop_replica_versions

revision = "0007"
down_revision = "0006"

# Members left were deleted, so every row there is a member.


def upgrade() -> None:
    add_replica_versions("communities", "categories")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("member", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_column("member")
    drop_replica_versions("communities", "categories")
