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
        "activity_kinds",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category_hint", sa.String(length=40), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_activity_kinds")),
    )
    replicas.create_categories()
    op.create_table(
        "certificates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("certified_hours", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("content_digest", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_content_digest"), ["content_digest"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_volunteer_id"), ["volunteer_id"], unique=False
        )

    replicas.create_communities(sa.Column("branch", sa.String(length=100), nullable=True))
    replicas.create_teams(sa.Column("leader_volunteer_id", sa.Uuid(), nullable=True))
    replicas.create_volunteers()

    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("started_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("people_served", sa.Integer(), nullable=False),
        sa.Column("beneficiaries", sa.JSON(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("logged_by", sa.String(length=100), nullable=False),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("verified_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("voided_by", sa.String(length=100), nullable=True),
        sa.Column("voided_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.Column("corrects_activity_id", sa.Uuid(), nullable=True),
        sa.Column("corrected_by_activity_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kind"], ["activity_kinds.code"], name=op.f("fk_activities_kind_activity_kinds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_category"), ["category"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_activities_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_activities_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_team_id"), ["team_id"], unique=False)

    op.create_table(
        "participations",
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_participations_activity_id_activities"),
        ),
        sa.PrimaryKeyConstraint("activity_id", "volunteer_id", name=op.f("pk_participations")),
    )
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participations_volunteer_id"), ["volunteer_id"], unique=False
        )

    OUTBOX_AND_INBOX.upgrade()


def downgrade() -> None:
    OUTBOX_AND_INBOX.downgrade()
    with op.batch_alter_table("participations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participations_volunteer_id"))

    op.drop_table("participations")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_team_id"))
        batch_op.drop_index(batch_op.f("ix_activities_started_at"))
        batch_op.drop_index(batch_op.f("ix_activities_community_id"))
        batch_op.drop_index(batch_op.f("ix_activities_category"))

    op.drop_table("activities")
    replicas.drop_volunteers()
    replicas.drop_teams()
    replicas.drop_communities()
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_content_digest"))

    op.drop_table("certificates")
    replicas.drop_categories()
    op.drop_table("activity_kinds")
