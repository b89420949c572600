"""the replica keeps communities by version; service kinds count their versions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.registry.replica_migrations import add_replica_versions, drop_replica_versions

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A service kind routed so far gets 1: its next routing publishes 2.


def upgrade() -> None:
    """Upgrade schema."""
    add_replica_versions("communities")
    with op.batch_alter_table("service_kinds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("service_kinds", schema=None) as batch_op:
        batch_op.drop_column("version")
    drop_replica_versions("communities")
