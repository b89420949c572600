"""the care register: people under care (关爱对象) with their visit plans, and their visits"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "care_recipients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
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
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_recipients")),
    )
    with op.batch_alter_table("care_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_recipients_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            "ix_care_recipients_due", ["community_id", "status", "next_due_on"], unique=False
        )
    op.create_table(
        "care_visits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("care_recipient_id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("volunteer_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["care_recipient_id"],
            ["care_recipients.id"],
            name=op.f("fk_care_visits_care_recipient_id_care_recipients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_visits")),
    )
    with op.batch_alter_table("care_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_visits_care_recipient_id"), ["care_recipient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_care_visits_community_id"), ["community_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("care_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_visits_community_id"))
        batch_op.drop_index(batch_op.f("ix_care_visits_care_recipient_id"))
    op.drop_table("care_visits")
    with op.batch_alter_table("care_recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_care_recipients_due")
        batch_op.drop_index(batch_op.f("ix_care_recipients_community_id"))
    op.drop_table("care_recipients")
