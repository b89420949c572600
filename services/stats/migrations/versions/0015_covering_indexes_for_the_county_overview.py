"""covering indexes for the county overview's joint-work figures

The county overview counts the orders served across communities, the escalations of a
period and those waiting for a team over every community. Without a community to look up, PostgreSQL
estimated `serving_community_id <> community_id` to hold for nearly every completed
order and read the whole `requests` table (300 ms at 1M orders); these partial
indexes hold only those orders, with what the counts read, so the counts are
index-only scans of a few thousand entries.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"

SERVED_ACROSS = "status = 'completed' AND serving_community_id <> community_id"
ESCALATED = "escalated_at IS NOT NULL"
WAITING = (
    "escalated_at IS NOT NULL AND status IN ('submitted', 'assigned', 'accepted')"
    " AND branch_assigned IS false"
)


def upgrade() -> None:
    op.create_index(
        "ix_requests_served_across",
        "requests",
        ["submitted_at"],
        postgresql_include=["community_id", "serving_community_id"],
        postgresql_where=sa.text(SERVED_ACROSS),
        sqlite_where=sa.text(SERVED_ACROSS),
    )
    op.create_index(
        "ix_requests_escalated_by_day",
        "requests",
        ["submitted_at"],
        postgresql_include=["community_id"],
        postgresql_where=sa.text(ESCALATED),
        sqlite_where=sa.text(ESCALATED),
    )
    op.create_index(
        "ix_requests_escalations_waiting",
        "requests",
        ["community_id"],
        postgresql_include=["escalation_overdue"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


def downgrade() -> None:
    op.drop_index("ix_requests_escalations_waiting", table_name="requests")
    op.drop_index("ix_requests_escalated_by_day", table_name="requests")
    op.drop_index("ix_requests_served_across", table_name="requests")
