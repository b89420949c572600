"""outbox remembers where each event landed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:40:28.585264

"""

from collections.abc import Sequence

from shared.messaging_migrations import WHERE_EVENTS_LANDED

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    WHERE_EVENTS_LANDED.upgrade()


def downgrade() -> None:
    """Downgrade schema."""
    WHERE_EVENTS_LANDED.downgrade()
