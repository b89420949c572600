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
        "care_tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
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
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_tasks")),
        sa.UniqueConstraint("life_event_id", name=op.f("uq_care_tasks_life_event_id")),
        sa.UniqueConstraint("volunteer_id", "birthday_year", name="uq_care_tasks_birthday"),
    )
    with op.batch_alter_table("care_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_tasks_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_care_tasks_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_care_tasks_volunteer_id"), ["volunteer_id"], unique=False
        )

    replicas.create_communities()
    op.create_table(
        "service_kinds",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_service_kinds")),
    )
    op.create_table(
        "service_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("service_kind", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
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
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_requests")),
        sa.UniqueConstraint("inbound_event_id", name=op.f("uq_service_requests_inbound_event_id")),
    )
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_requests_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_requests_due_at"), ["due_at"], unique=False)
        batch_op.create_index(
            "ix_service_requests_open_by_team", ["team_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_service_requests_status"), ["status"], unique=False)

    replicas.create_teams(sa.Column("leader_volunteer_id", sa.Uuid(), nullable=True))
    replicas.create_volunteers(
        sa.Column("is_party_member", sa.Boolean(), nullable=False),
        sa.Column("party_joined_on", sa.Date(), nullable=True),
    )
    op.create_table(
        "request_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_request_history_request_id_service_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_history")),
    )
    with op.batch_alter_table("request_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_history_request_id"), ["request_id"], unique=False
        )

    OUTBOX_AND_INBOX.upgrade()


def downgrade() -> None:
    OUTBOX_AND_INBOX.downgrade()
    with op.batch_alter_table("request_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_history_request_id"))

    op.drop_table("request_history")
    replicas.drop_volunteers()
    replicas.drop_teams()
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_requests_status"))
        batch_op.drop_index("ix_service_requests_open_by_team")
        batch_op.drop_index(batch_op.f("ix_service_requests_due_at"))
        batch_op.drop_index(batch_op.f("ix_service_requests_community_id"))

    op.drop_table("service_requests")
    op.drop_table("service_kinds")
    replicas.drop_communities()
    with op.batch_alter_table("care_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_tasks_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_care_tasks_due_on"))
        batch_op.drop_index(batch_op.f("ix_care_tasks_community_id"))

    op.drop_table("care_tasks")
