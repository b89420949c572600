"""categories count their versions, also across a deletion"""

import sqlalchemy as sa
from alembic import op

from shared import migration_helpers as common

revision = "0006"
down_revision = "0005"

# A category defined so far gets 1: its next rename publishes 2.


def upgrade() -> None:
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "retired_categories",
        sa.Column("code", sa.String(length=40), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_retired_categories")),
    )


def downgrade() -> None:
    op.drop_table("retired_categories")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("version")
