"""shared resources (资源联享) and their bookings"""

import sqlalchemy as sa
from alembic import op

import shared.db
from shared import migration_helpers as common

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "resources",
        *common.community_record(),
        sa.Column("owner_unit_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("shared_with_branch", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("offered_by", sa.String(length=100), nullable=False),
        common.version(),
        common.created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    common.index_columns("resources", "community_id")

    op.create_table(
        "bookings",
        common.record_id(),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("resource_community_id", sa.String(length=40), nullable=False),
        common.community_id(),
        sa.Column("starts_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("booked_by", sa.String(length=100), nullable=False),
        sa.Column("cancelled_by", sa.String(length=100), nullable=True),
        sa.Column("cancelled_at", shared.db.UTCDateTime(timezone=True), nullable=True),
        common.version(),
        common.created_at(),
        common.foreign_key("bookings", "resource_id", "resources.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    common.index_columns("bookings", "community_id", "activity_id")
    op.create_index("ix_bookings_resource_time", "bookings", ["resource_id", "starts_at"])


def downgrade() -> None:
    op.drop_table("bookings")
    op.drop_table("resources")
