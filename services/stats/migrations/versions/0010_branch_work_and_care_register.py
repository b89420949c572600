"""the branch's joint work (服务难题联解) and the care register (关爱对象)

Teams keep the resident unit that formed them; resident units are kept with their names;
orders keep whose community's team serves them, their escalation and whether the branch
gave them a team; people under care and their visits are kept without names.

Rows already there read as not escalated, served by their own community and formed by no
unit until the projections are rebuilt (`qise stats rebuild`).
"""

import sqlalchemy as sa
from alembic import op

import shared.db
from shared import migration_helpers as common

revision = "0010"
down_revision = "0009"

SERVED_ACROSS = "serving_community_id <> community_id"
ESCALATED = "escalated_at IS NOT NULL"


def upgrade() -> None:
    op.add_column("teams", sa.Column("unit_id", sa.String(length=40), nullable=True))
    common.index_columns("teams", "unit_id")
    op.create_table(
        "resident_units",
        sa.Column("id", sa.String(length=40), nullable=False),
        common.community_id(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_units")),
    )
    common.index_columns("resident_units", "community_id")
    op.add_column(
        "requests", sa.Column("serving_community_id", sa.String(length=40), nullable=True)
    )
    op.add_column(
        "requests", sa.Column("escalated_at", shared.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "requests",
        sa.Column("escalation_overdue", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column(
        "requests",
        sa.Column("branch_assigned", sa.Boolean(), server_default="false", nullable=False),
    )
    for name, column, where in (
        ("ix_requests_served_for_another", "serving_community_id", SERVED_ACROSS),
        ("ix_requests_served_by_another", "community_id", SERVED_ACROSS),
        ("ix_requests_escalated", "community_id", ESCALATED),
    ):
        op.create_index(
            name,
            "requests",
            [column],
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )
    op.create_table(
        "care_recipients",
        *common.community_record(),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_recipients")),
    )
    op.create_index(
        "ix_care_recipients_community_status",
        "care_recipients",
        ["community_id", "status"],
        unique=False,
    )
    op.create_table(
        "care_visits",
        common.record_id(),
        sa.Column("care_recipient_id", sa.Uuid(), nullable=False),
        common.community_id(),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_visits")),
    )
    op.create_index(
        "ix_care_visits_community_day",
        "care_visits",
        ["community_id", "visited_on"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_care_visits_community_day", table_name="care_visits")
    op.drop_table("care_visits")
    op.drop_index("ix_care_recipients_community_status", table_name="care_recipients")
    op.drop_table("care_recipients")
    for name in (
        "ix_requests_escalated",
        "ix_requests_served_by_another",
        "ix_requests_served_for_another",
    ):
        op.drop_index(name, table_name="requests")
    for column in ("branch_assigned", "escalation_overdue", "escalated_at", "serving_community_id"):
        op.drop_column("requests", column)
    common.drop_indexed_table("resident_units", "community_id")
    common.drop_column_indexes("teams", "unit_id")
    op.drop_column("teams", "unit_id")
