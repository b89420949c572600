"""seed the default activity kinds"""

from services.activities.kinds import DEFAULT_KINDS
from shared.seed_migrations import seed_catalog, unseed_catalog

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    seed_catalog("activity_kinds", "category_hint", DEFAULT_KINDS)


def downgrade() -> None:
    unseed_catalog("activity_kinds", DEFAULT_KINDS)
