"""a rebuild is built beside the projections in use, by every replica: the generation
being built, and the newest one ever started (abandoned builds' numbers are not reused)

A rebuild creates its tables from the models, which give the replicas' `version` and
`member` no server default: the defaults that filled the rows there when those columns
came (0007) go, so a rebuilt database and a migrated one are the same.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"

# (table, column, the server default 0007 gave it)
FILLED_ONCE = (
    ("communities", "version", sa.Integer(), "0"),
    ("categories", "version", sa.Integer(), "0"),
    ("team_members", "member", sa.Boolean(), sa.true()),
    ("team_members", "version", sa.Integer(), "0"),
)


def upgrade() -> None:
    with op.batch_alter_table("projection_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("building", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("newest", sa.Integer(), server_default="1", nullable=False))
    op.execute("UPDATE projection_state SET newest = generation")
    # The one row, there from the start: consumers' batches lock it (rebuild.py).
    op.execute(
        "INSERT INTO projection_state (id, generation, newest)"
        " SELECT 1, 1, 1 WHERE NOT EXISTS (SELECT 1 FROM projection_state)"
    )
    for table, column, type_, _ in FILLED_ONCE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=type_, server_default=None)


def downgrade() -> None:
    for table, column, type_, default in reversed(FILLED_ONCE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=type_, server_default=default)
    with op.batch_alter_table("projection_state", schema=None) as batch_op:
        batch_op.drop_column("newest")
        batch_op.drop_column("building")
