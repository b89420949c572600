"""the replica keeps communities by version; service kinds count their versions

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

# Replica rows came from events without a version: 0, older than any versioned one. A
# service kind routed so far gets 1: its next routing publishes 2.


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("service_kinds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("service_kinds", schema=None) as batch_op:
        batch_op.drop_column("version")
    with op.batch_alter_table("communities", schema=None) as batch_op:
        batch_op.drop_column("version")
