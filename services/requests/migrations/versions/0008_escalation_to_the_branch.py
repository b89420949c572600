"""orders escalate to the branch and are served by a team of any of its communities;
the replica knows each community's branch and who is on each team"""

import sqlalchemy as sa
from alembic import op

import shared.db
from shared import migration_helpers as common

revision = "0008"
down_revision = "0007"

# Every order assigned so far went to a team of its own community.
BACKFILL_SERVING = (
    "UPDATE service_requests SET serving_community_id = community_id WHERE team_id IS NOT NULL"
)


def upgrade() -> None:
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        for name in ("escalated_at", "branch_assigned_at", "escalation_overdue_at"):
            batch_op.add_column(
                sa.Column(name, shared.db.UTCDateTime(timezone=True), nullable=True)
            )
        batch_op.add_column(sa.Column("escalation_reason", sa.String(500), nullable=True))
        batch_op.add_column(sa.Column("serving_community_id", sa.String(40), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_service_requests_serving_community_id"),
            ["serving_community_id"],
            unique=False,
        )
    op.execute(BACKFILL_SERVING)
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("branch", sa.String(100), nullable=True))
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("member", sa.Boolean(), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("team_id", "volunteer_id", name=op.f("pk_team_members")),
    )
    common.index_columns("team_members", "volunteer_id")


def downgrade() -> None:
    op.drop_table("team_members")
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("branch")
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_requests_serving_community_id"))
        for name in (
            "serving_community_id",
            "escalation_reason",
            "escalation_overdue_at",
            "branch_assigned_at",
            "escalated_at",
        ):
            batch_op.drop_column(name)
