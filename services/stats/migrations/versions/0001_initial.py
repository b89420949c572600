"""initial"""

import sqlalchemy as sa
from alembic import op

import shared.db
from services.registry import replica_migrations as replicas
from shared import migration_helpers as common
from shared.messaging_migrations import OUTBOX_AND_INBOX

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "activities",
        *common.community_record(),
        common.category(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("people_served", sa.Integer(), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    common.index_columns("activities", "community_id")

    op.create_table(
        "activity_hours",
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("activity_id", "volunteer_id", name=op.f("pk_activity_hours")),
    )
    op.create_table(
        "care_tasks",
        *common.community_record(),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_tasks")),
    )
    common.index_columns("care_tasks", "community_id")

    replicas.create_categories(
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    replicas.create_communities(
        sa.Column("branch", sa.String(length=100), nullable=True), indexed=("branch",)
    )
    op.create_table(
        "daily_figures",
        common.community_id(),
        common.category(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("activities", sa.Integer(), nullable=False),
        sa.Column("people_served", sa.Integer(), nullable=False),
        sa.Column("volunteer_hours", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("certified_hours", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "category", "day", name=op.f("pk_daily_figures")),
    )
    op.create_table(
        "projection_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projection_state")),
    )
    op.create_table(
        "requests",
        *common.community_record(),
        common.category(),
        sa.Column("service_kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
    )
    common.index_columns("requests", "community_id")

    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "volunteer_id", name=op.f("pk_team_members")),
    )
    common.index_columns("team_members", "volunteer_id")

    replicas.create_teams()
    op.create_table(
        "volunteer_hours",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        common.community_id(),
        sa.Column("hours", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("certified_hours", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("volunteer_id", name=op.f("pk_volunteer_hours")),
    )
    with op.batch_alter_table("volunteer_hours", schema=None) as batch_op:
        batch_op.create_index("ix_volunteer_hours_rank", ["community_id", "hours"], unique=False)

    replicas.create_volunteers(sa.Column("is_party_member", sa.Boolean(), nullable=False))

    OUTBOX_AND_INBOX.upgrade()


def downgrade() -> None:
    OUTBOX_AND_INBOX.downgrade()
    replicas.drop_volunteers()
    with op.batch_alter_table("volunteer_hours", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_hours_rank")

    op.drop_table("volunteer_hours")
    replicas.drop_teams()
    common.drop_indexed_table("team_members", "volunteer_id")
    common.drop_indexed_table("requests", "community_id")
    op.drop_table("projection_state")
    op.drop_table("daily_figures")
    replicas.drop_communities(indexed=("branch",))
    replicas.drop_categories()
    common.drop_indexed_table("care_tasks", "community_id")
    op.drop_table("activity_hours")
    common.drop_indexed_table("activities", "community_id")
