"""rollups for fast figures: monthly figures, volunteers per community, members per
category, requests per status; indexes for time series and the leaderboard
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_helpers as common

revision = "0003"
down_revision = "0002"

AMOUNTS = "activities, people_served, volunteer_hours, certified_hours"


def upgrade() -> None:
    """Upgrade schema, and fill the new rollups from the projections already there."""
    op.create_table(
        "monthly_figures",
        common.community_id(),
        common.category(),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("people_served", sa.Integer(), nullable=False),
        sa.Column("volunteer_hours", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("certified_hours", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.PrimaryKeyConstraint(
            "community_id", "category", "month", name=op.f("pk_monthly_figures")
        ),
    )
    op.create_table(
        "community_volunteers",
        common.community_id(),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.Column("party_members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", name=op.f("pk_community_volunteers")),
    )
    op.create_table(
        "category_members",
        common.community_id(),
        common.category(),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "category", name=op.f("pk_category_members")),
    )
    op.create_table(
        "request_counts",
        common.community_id(),
        common.category(),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("ratings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "community_id", "category", "status", name=op.f("pk_request_counts")
        ),
    )
    op.create_index(
        "ix_daily_figures_day",
        "daily_figures",
        ["day"],
        postgresql_include=[
            "community_id",
            "category",
            "activities",
            "people_served",
            "volunteer_hours",
            "certified_hours",
        ],
    )
    op.create_index(
        "ix_volunteer_hours_hours", "volunteer_hours", [sa.text("hours DESC"), "volunteer_id"]
    )

    sqlite = op.get_bind().dialect.name == "sqlite"
    month = "date(day, 'start of month')" if sqlite else "CAST(date_trunc('month', day) AS date)"
    op.execute(
        f"INSERT INTO monthly_figures (community_id, category, month, {AMOUNTS})"
        f" SELECT community_id, category, {month}, sum(activities), sum(people_served),"
        " sum(volunteer_hours), sum(certified_hours)"
        f" FROM daily_figures GROUP BY community_id, category, {month}"
    )
    op.execute(
        "INSERT INTO community_volunteers (community_id, volunteers, party_members)"
        " SELECT community_id, count(*), sum(CASE WHEN is_party_member THEN 1 ELSE 0 END)"
        " FROM volunteers WHERE active GROUP BY community_id"
    )
    op.execute(
        "INSERT INTO category_members (community_id, category, members)"
        " SELECT t.community_id, t.category, count(DISTINCT m.volunteer_id)"
        " FROM teams t JOIN team_members m ON m.team_id = t.id"
        " JOIN volunteers v ON v.id = m.volunteer_id"
        " WHERE t.status = 'active' AND v.active GROUP BY t.community_id, t.category"
    )
    op.execute(
        "INSERT INTO request_counts"
        " (community_id, category, status, requests, overdue, on_time, rating_sum, ratings)"
        " SELECT community_id, category, status, count(*),"
        " sum(CASE WHEN overdue THEN 1 ELSE 0 END),"
        " sum(CASE WHEN status = 'completed' AND completed_at <= due_at THEN 1 ELSE 0 END),"
        " coalesce(sum(rating), 0), count(rating)"
        " FROM requests GROUP BY community_id, category, status"
    )


def downgrade() -> None:
    op.drop_index("ix_volunteer_hours_hours", table_name="volunteer_hours")
    op.drop_index("ix_daily_figures_day", table_name="daily_figures")
    op.drop_table("request_counts")
    op.drop_table("category_members")
    op.drop_table("community_volunteers")
    op.drop_table("monthly_figures")
