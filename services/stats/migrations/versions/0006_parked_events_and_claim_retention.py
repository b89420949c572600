"""consumers park events that name what they do not know yet; claims are pruned by age

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 07:10:00

"""

from collections.abc import Sequence

from shared.messaging_migrations import PARKED_EVENTS

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    PARKED_EVENTS.upgrade()


def downgrade() -> None:
    """Downgrade schema."""
    PARKED_EVENTS.downgrade()
