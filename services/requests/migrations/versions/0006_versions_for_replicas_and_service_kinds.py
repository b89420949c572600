"""the replica keeps communities by version; service kinds count their versions"""

import sqlalchemy as sa
from alembic import op

from services.registry.replica_migrations import add_replica_versions, drop_replica_versions

revision = "0006"
down_revision = "0005"

# A service kind routed so far gets 1: its next routing publishes 2.


def upgrade() -> None:
    add_replica_versions("communities")
    with op.batch_alter_table("service_kinds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("service_kinds", schema=None) as batch_op:
        batch_op.drop_column("version")
    drop_replica_versions("communities")
