"""seed the default activity kinds

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from services.activities.kinds import DEFAULT_KINDS
from shared.seed_migrations import seed_catalog, unseed_catalog

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    seed_catalog("activity_kinds", "category_hint", DEFAULT_KINDS)


def downgrade() -> None:
    unseed_catalog("activity_kinds", DEFAULT_KINDS)
