"""branches as records: a community's branch, resident units' agreements, unit members and teams"""

import sqlalchemy as sa
from alembic import op

from shared import migration_helpers as common

revision = "0008"
down_revision = "0007"

# Each free label a community named as its branch becomes a branch whose id and name are
# that label: the communities' `branch` stays as it was, and now refers to a record.


def upgrade() -> None:
    op.create_table(
        "branches",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secretary_name", sa.String(length=100), nullable=True),
        sa.Column("secretary_phone", sa.String(length=20), nullable=True),
        common.version(),
        common.created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
    )
    op.execute(
        "INSERT INTO branches (id, name, version, created_at)"
        " SELECT DISTINCT branch, branch, 1, CURRENT_TIMESTAMP FROM communities"
        " WHERE branch IS NOT NULL"
    )
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_communities_branch"), ["branch"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_communities_branch_branches"), "branches", ["branch"], ["id"]
        )
    op.create_table(
        "unit_agreements",
        common.record_id(),
        sa.Column("resident_unit_id", sa.Uuid(), nullable=False),
        common.community_id(),
        sa.Column("brings", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        common.created_at(),
        common.foreign_key("unit_agreements", "community_id", "communities.id"),
        common.foreign_key("unit_agreements", "resident_unit_id", "resident_units.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_agreements")),
    )
    common.index_columns("unit_agreements", "community_id", "resident_unit_id")
    for table in ("volunteers", "teams"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("unit_id", sa.Uuid(), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_unit_id"), ["unit_id"], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_unit_id_resident_units"),
                "resident_units",
                ["unit_id"],
                ["id"],
            )


def downgrade() -> None:
    for table in ("teams", "volunteers"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_unit_id_resident_units"), type_="foreignkey"
            )
            batch_op.drop_index(batch_op.f(f"ix_{table}_unit_id"))
            batch_op.drop_column("unit_id")
    common.drop_indexed_table("unit_agreements", "community_id", "resident_unit_id")
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_communities_branch_branches"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_communities_branch"))
    op.drop_table("branches")
