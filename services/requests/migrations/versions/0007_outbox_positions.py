"""the relay keeps the highest offset each partition acknowledged, per cluster

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 08:00:00

"""

from collections.abc import Sequence

from shared.messaging_migrations import OUTBOX_POSITIONS

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    OUTBOX_POSITIONS.upgrade()


def downgrade() -> None:
    """Downgrade schema."""
    OUTBOX_POSITIONS.downgrade()
