"""activity titles for the public page; paid orders' prices and income in the request rollups

Rows already there keep an empty title and no income until the projections are
rebuilt (`qise stats rebuild`): the events before this change carry no price anyway.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

ROLLUPS = ("request_counts", "request_days", "request_months")


def upgrade() -> None:
    op.add_column(
        "activities",
        sa.Column("title", sa.String(length=200), server_default="", nullable=False),
    )
    op.create_index("ix_activities_community_day", "activities", ["community_id", "day"])
    op.add_column(
        "requests", sa.Column("paid", sa.Boolean(), server_default="false", nullable=False)
    )
    op.add_column("requests", sa.Column("price", sa.Numeric(10, 2), nullable=True))
    for table in ROLLUPS:
        op.add_column(
            table, sa.Column("paid_orders", sa.Integer(), server_default="0", nullable=False)
        )
        op.add_column(
            table, sa.Column("income", sa.Numeric(16, 2), server_default="0", nullable=False)
        )


def downgrade() -> None:
    for table in ROLLUPS:
        op.drop_column(table, "income")
        op.drop_column(table, "paid_orders")
    op.drop_column("requests", "price")
    op.drop_column("requests", "paid")
    op.drop_index("ix_activities_community_day", table_name="activities")
    op.drop_column("activities", "title")
