"""initial"""

import sqlalchemy as sa
from alembic import op

import shared.db
from services.registry import replica_migrations as replicas
from shared.messaging_migrations import OUTBOX_AND_INBOX

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("people_served", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activities_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "activity_hours",
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.PrimaryKeyConstraint("activity_id", "volunteer_id", name=op.f("pk_activity_hours")),
    )
    op.create_table(
        "care_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_tasks")),
    )
    with op.batch_alter_table("care_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_tasks_community_id"), ["community_id"], unique=False
        )

    replicas.create_categories(
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    replicas.create_communities(
        sa.Column("branch", sa.String(length=100), nullable=True), indexed=("branch",)
    )
    op.create_table(
        "daily_figures",
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
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
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("service_kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_requests_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "volunteer_id", name=op.f("pk_team_members")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_members_volunteer_id"), ["volunteer_id"], unique=False
        )

    replicas.create_teams()
    op.create_table(
        "volunteer_hours",
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
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
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_members_volunteer_id"))

    op.drop_table("team_members")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_requests_community_id"))

    op.drop_table("requests")
    op.drop_table("projection_state")
    op.drop_table("daily_figures")
    replicas.drop_communities(indexed=("branch",))
    replicas.drop_categories()
    with op.batch_alter_table("care_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_tasks_community_id"))

    op.drop_table("care_tasks")
    op.drop_table("activity_hours")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_community_id"))

    op.drop_table("activities")
