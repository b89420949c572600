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
        common.record_id(),
        sa.Column("number", sa.String(length=60), nullable=False),
        common.community_id(),
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
    common.index_columns("certificates", "content_digest", "volunteer_id")

    replicas.create_communities(sa.Column("branch", sa.String(length=100), nullable=True))
    replicas.create_teams(sa.Column("leader_volunteer_id", sa.Uuid(), nullable=True))
    replicas.create_volunteers()

    op.create_table(
        "activities",
        *common.community_record(),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        common.category(),
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
        common.version(),
        common.created_at(),
        common.foreign_key("activities", "kind", "activity_kinds.code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    common.index_columns("activities", "category", "community_id", "started_at", "team_id")

    op.create_table(
        "participations",
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=6, scale=2), nullable=False),
        common.foreign_key("participations", "activity_id", "activities.id"),
        sa.PrimaryKeyConstraint("activity_id", "volunteer_id", name=op.f("pk_participations")),
    )
    common.index_columns("participations", "volunteer_id")

    OUTBOX_AND_INBOX.upgrade()


def downgrade() -> None:
    OUTBOX_AND_INBOX.downgrade()
    common.drop_indexed_table("participations", "volunteer_id")
    common.drop_indexed_table("activities", "category", "community_id", "started_at", "team_id")
    replicas.drop_volunteers()
    replicas.drop_teams()
    replicas.drop_communities()
    common.drop_indexed_table("certificates", "content_digest", "volunteer_id")
    replicas.drop_categories()
    op.drop_table("activity_kinds")
