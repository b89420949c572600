"""outbox rows and consumers remember which broker cluster they used

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:20:00

"""

from collections.abc import Sequence

from shared.messaging_migrations import BROKERS_REMEMBERED

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    BROKERS_REMEMBERED.upgrade()


def downgrade() -> None:
    """Downgrade schema."""
    BROKERS_REMEMBERED.downgrade()
