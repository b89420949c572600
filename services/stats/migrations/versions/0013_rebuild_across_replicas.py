"""a rebuild is built beside the projections in use, by every replica: the generation
being built, and the newest one ever started (abandoned builds' numbers are not reused)"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


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


def downgrade() -> None:
    with op.batch_alter_table("projection_state", schema=None) as batch_op:
        batch_op.drop_column("newest")
        batch_op.drop_column("building")
