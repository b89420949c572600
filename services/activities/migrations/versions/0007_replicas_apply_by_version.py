"""the replica keeps communities and categories by version

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:00:00

"""

from collections.abc import Sequence

from services.registry.replica_migrations import add_replica_versions, drop_replica_versions

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    add_replica_versions("communities", "categories")


def downgrade() -> None:
    """Downgrade schema."""
    drop_replica_versions("communities", "categories")
