"""initial"""

import sqlalchemy as sa
from alembic import op

import shared.db
from shared import migration_helpers as common
from shared.messaging_migrations import OUTBOX_AND_INBOX

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categories")),
    )
    op.create_table(
        "communities",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("branch", sa.String(length=100), nullable=True),
        common.created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
    )
    op.create_table(
        "resident_units",
        *common.community_record(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        common.created_at(),
        common.foreign_key("resident_units", "community_id", "communities.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_units")),
    )
    common.index_columns("resident_units", "community_id")

    op.create_table(
        "volunteers",
        *common.community_record(),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("gender", sa.String(length=10), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("availability", sa.String(length=200), nullable=True),
        sa.Column("is_party_member", sa.Boolean(), nullable=False),
        sa.Column("party_joined_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("deactivated_reason", sa.String(length=200), nullable=True),
        common.version(),
        common.created_at(),
        common.updated_at(),
        common.foreign_key("volunteers", "community_id", "communities.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteers")),
        sa.UniqueConstraint("community_id", "phone", name="uq_volunteers_community_phone"),
    )
    common.index_columns("volunteers", "community_id", "name")

    op.create_table(
        "life_events",
        *common.community_record(),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        common.created_at(),
        common.foreign_key("life_events", "community_id", "communities.id"),
        common.foreign_key("life_events", "volunteer_id", "volunteers.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_life_events")),
    )
    common.index_columns("life_events", "community_id", "volunteer_id")

    op.create_table(
        "teams",
        *common.community_record(),
        common.category(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("leader_volunteer_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        common.version(),
        common.created_at(),
        common.foreign_key("teams", "category", "categories.code"),
        common.foreign_key("teams", "community_id", "communities.id"),
        common.foreign_key("teams", "leader_volunteer_id", "volunteers.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("community_id", "name", name="uq_teams_community_name"),
    )
    common.index_columns("teams", "category", "community_id")

    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("joined_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        common.foreign_key("team_members", "team_id", "teams.id"),
        common.foreign_key("team_members", "volunteer_id", "volunteers.id"),
        sa.PrimaryKeyConstraint("team_id", "volunteer_id", name=op.f("pk_team_members")),
    )
    common.index_columns("team_members", "volunteer_id")

    OUTBOX_AND_INBOX.upgrade()


def downgrade() -> None:
    OUTBOX_AND_INBOX.downgrade()
    common.drop_indexed_table("team_members", "volunteer_id")
    common.drop_indexed_table("teams", "category", "community_id")
    common.drop_indexed_table("life_events", "community_id", "volunteer_id")
    common.drop_indexed_table("volunteers", "community_id", "name")
    common.drop_indexed_table("resident_units", "community_id")
    op.drop_table("communities")
    op.drop_table("categories")
