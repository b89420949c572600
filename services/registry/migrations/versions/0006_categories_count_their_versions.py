"""categories count their versions, also across a deletion

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A category defined so far gets 1: its next rename publishes 2.


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "retired_categories",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_retired_categories")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("retired_categories")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_column("version")
