"""the care register: people under care (关爱对象) with their visit plans, and their visits"""

import sqlalchemy as sa
from alembic import op

import shared.db
from shared import migration_helpers as common

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "care_recipients",
        *common.community_record(),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("consent_on", sa.Date(), nullable=False),
        sa.Column("consent_recorded_by", sa.String(length=100), nullable=False),
        sa.Column("under_care_since", sa.Date(), nullable=False),
        sa.Column("plan_days", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("last_visited_on", sa.Date(), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=True),
        sa.Column("registered_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_recipients")),
    )
    common.index_columns("care_recipients", "community_id")
    op.create_index(
        "ix_care_recipients_due", "care_recipients", ["community_id", "status", "next_due_on"]
    )
    op.create_table(
        "care_visits",
        common.record_id(),
        sa.Column("care_recipient_id", sa.Uuid(), nullable=False),
        common.community_id(),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("volunteer_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        common.foreign_key("care_visits", "care_recipient_id", "care_recipients.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_visits")),
    )
    common.index_columns("care_visits", "care_recipient_id", "community_id")


def downgrade() -> None:
    common.drop_indexed_table("care_visits", "care_recipient_id", "community_id")
    op.drop_index("ix_care_recipients_due", table_name="care_recipients")
    common.drop_indexed_table("care_recipients", "community_id")
