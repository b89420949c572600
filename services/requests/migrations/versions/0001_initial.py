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
        "care_tasks",
        *common.community_record(),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_name", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("life_event_id", sa.Uuid(), nullable=True),
        sa.Column("birthday_year", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.Column("completed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=100), nullable=True),
        sa.Column("overdue_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        common.created_at(),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_tasks")),
        sa.UniqueConstraint("life_event_id", name=op.f("uq_care_tasks_life_event_id")),
        sa.UniqueConstraint("volunteer_id", "birthday_year", name="uq_care_tasks_birthday"),
    )
    common.index_columns("care_tasks", "community_id", "due_on", "volunteer_id")

    replicas.create_communities()
    op.create_table(
        "service_kinds",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        common.category(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_service_kinds")),
    )
    op.create_table(
        "service_requests",
        *common.community_record(),
        sa.Column("service_kind", sa.String(length=40), nullable=False),
        common.category(),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("resident_name", sa.String(length=50), nullable=False),
        sa.Column("resident_phone", sa.String(length=20), nullable=False),
        sa.Column("resident_address", sa.String(length=200), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("price", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("urgency", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("due_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completion_note", sa.String(length=2000), nullable=True),
        sa.Column("activity_id", sa.Uuid(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.String(length=500), nullable=True),
        sa.Column("overdue_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("inbound_event_id", sa.Uuid(), nullable=True),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
        sa.UniqueConstraint("inbound_event_id", name=op.f("uq_service_requests_inbound_event_id")),
    )
    common.index_columns("service_requests", "community_id", "due_at")
    op.create_index("ix_service_requests_open_by_team", "service_requests", ["team_id", "status"])
    common.index_columns("service_requests", "status")

    replicas.create_teams(sa.Column("leader_volunteer_id", sa.Uuid(), nullable=True))
    replicas.create_volunteers(
        sa.Column("is_party_member", sa.Boolean(), nullable=False),
        sa.Column("party_joined_on", sa.Date(), nullable=True),
    )
    op.create_table(
        "request_history",
        common.record_id(),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        common.foreign_key("request_history", "request_id", "service_requests.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_history")),
    )
    common.index_columns("request_history", "request_id")

    OUTBOX_AND_INBOX.upgrade()


def downgrade() -> None:
    OUTBOX_AND_INBOX.downgrade()
    common.drop_indexed_table("request_history", "request_id")
    replicas.drop_volunteers()
    replicas.drop_teams()
    common.drop_column_indexes("service_requests", "status")
    op.drop_index("ix_service_requests_open_by_team", table_name="service_requests")
    common.drop_indexed_table("service_requests", "community_id", "due_at")
    op.drop_table("service_kinds")
    replicas.drop_communities()
    common.drop_indexed_table("care_tasks", "community_id", "due_on", "volunteer_id")
