"""The schema changes of the registry replica tables (`replicas.py`), written once.

Activities, requests and stats keep copies of the registry's communities, categories,
teams and volunteers. Each change to those tables is one step here, called by each
service's revision with the columns only that service keeps (`*extra`), which stand
after the shared leading columns, as the replica models declare them.

A step is frozen once released, like the messaging steps (`shared/messaging_migrations.py`):
it says what the tables became at that step, not what `replicas.py` says today. A later
change is a new step.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shared import migration_helpers as common


def create_communities(*extra: common.Column, indexed: tuple[str, ...] = ()) -> None:
    """The community replica; `indexed` names the extra columns the service looks up by."""
    op.create_table(
        "communities",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        *extra,
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communities")),
    )
    common.index_columns("communities", *indexed)


def drop_communities(indexed: tuple[str, ...] = ()) -> None:
    common.drop_indexed_table("communities", *indexed)


def create_categories(*extra: common.Column) -> None:
    op.create_table(
        "categories",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        *extra,
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categories")),
    )


def drop_categories() -> None:
    op.drop_table("categories")


def create_teams(*extra: common.Column) -> None:
    op.create_table(
        "teams",
        *common.community_record(),
        common.category(),
        sa.Column("name", sa.String(length=100), nullable=False),
        *extra,
        sa.Column("status", sa.String(length=20), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    common.index_columns("teams", "community_id")


def drop_teams() -> None:
    common.drop_indexed_table("teams", "community_id")


def create_volunteers(*extra: common.Column) -> None:
    op.create_table(
        "volunteers",
        *common.community_record(),
        sa.Column("name", sa.String(length=50), nullable=False),
        *extra,
        sa.Column("active", sa.Boolean(), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteers")),
    )
    common.index_columns("volunteers", "community_id")


def drop_volunteers() -> None:
    common.drop_indexed_table("volunteers", "community_id")


def add_team_unit() -> None:
    """Teams know the resident unit (驻区单位) that formed them: `unit_id` of team events,
    null for teams heard of before (and for teams no unit formed)."""
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Uuid(), nullable=True))


def drop_team_unit() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("unit_id")


def add_replica_versions(*tables: str) -> None:
    """Communities and categories apply by version from here on.

    Rows kept so far came from events without a version: 0, older than any versioned one.
    """
    for table in tables:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), nullable=False, server_default="0")
            )


def drop_replica_versions(*tables: str) -> None:
    """Undoes `add_replica_versions(*tables)`, last table first."""
    for table in reversed(tables):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
