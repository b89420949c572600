"""initial"""

import sqlalchemy as sa
from alembic import op

import shared.db
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
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
    )
    op.create_table(
        "resident_units",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_resident_units_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_units")),
    )
    with op.batch_alter_table("resident_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resident_units_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "volunteers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
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
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_volunteers_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteers")),
        sa.UniqueConstraint("community_id", "phone", name="uq_volunteers_community_phone"),
    )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteers_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_volunteers_name"), ["name"], unique=False)

    op.create_table(
        "life_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_life_events_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"], ["volunteers.id"], name=op.f("fk_life_events_volunteer_id_volunteers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_life_events")),
    )
    with op.batch_alter_table("life_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_life_events_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_life_events_volunteer_id"), ["volunteer_id"], unique=False
        )

    op.create_table(
        "teams",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("community_id", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("leader_volunteer_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category"], ["categories.code"], name=op.f("fk_teams_category_categories")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_teams_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["leader_volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_teams_leader_volunteer_id_volunteers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("community_id", "name", name="uq_teams_community_name"),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_teams_community_id"), ["community_id"], unique=False)

    op.create_table(
        "team_members",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("joined_at", shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_members_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteers.id"],
            name=op.f("fk_team_members_volunteer_id_volunteers"),
        ),
        sa.PrimaryKeyConstraint("team_id", "volunteer_id", name=op.f("pk_team_members")),
    )
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_team_members_volunteer_id"), ["volunteer_id"], unique=False
        )

    OUTBOX_AND_INBOX.upgrade()


def downgrade() -> None:
    OUTBOX_AND_INBOX.downgrade()
    with op.batch_alter_table("team_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_members_volunteer_id"))

    op.drop_table("team_members")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_community_id"))
        batch_op.drop_index(batch_op.f("ix_teams_category"))

    op.drop_table("teams")
    with op.batch_alter_table("life_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_life_events_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_life_events_community_id"))

    op.drop_table("life_events")
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteers_name"))
        batch_op.drop_index(batch_op.f("ix_volunteers_community_id"))

    op.drop_table("volunteers")
    with op.batch_alter_table("resident_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_units_community_id"))

    op.drop_table("resident_units")
    op.drop_table("communities")
    op.drop_table("categories")
