"""outbox rows and consumers remember which broker cluster they used

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kafka_cluster", sa.String(length=200), nullable=True))
    op.create_table(
        "consumer_brokers",
        sa.Column("group_id", sa.String(length=200), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "topic", "partition", name=op.f("pk_consumer_brokers")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("consumer_brokers")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("kafka_cluster")
