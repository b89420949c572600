"""the relay keeps the highest offset each partition acknowledged, per cluster

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 08:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "outbox_positions",
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.String(length=200), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "topic", "partition", "cluster_id", name=op.f("pk_outbox_positions")
        ),
    )
    # Once, here: from now on the relay starts from this table, not from the outbox.
    op.execute(
        'INSERT INTO outbox_positions (topic, partition, cluster_id, "offset")'
        " SELECT topic, kafka_partition, kafka_cluster, max(kafka_offset) FROM outbox"
        " WHERE kafka_cluster IS NOT NULL AND kafka_offset IS NOT NULL"
        " GROUP BY topic, kafka_partition, kafka_cluster"
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("outbox_positions")
