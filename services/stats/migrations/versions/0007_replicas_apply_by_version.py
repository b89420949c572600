"""communities, categories and memberships are kept by version; a left membership stays, marked

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.registry.replica_migrations import add_replica_versions, drop_replica_versions

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Members left were deleted, so every row there is a member.


def upgrade() -> None:
    """Upgrade schema."""
    add_replica_versions("communities", "categories")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("member", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_column("member")
    drop_replica_versions("communities", "categories")
