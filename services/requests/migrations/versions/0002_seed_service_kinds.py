"""seed the routing table: service kinds and their categories"""

from services.requests.routing import DEFAULT_SERVICE_KINDS
from shared.seed_migrations import seed_catalog, unseed_catalog

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    seed_catalog("service_kinds", "category", DEFAULT_SERVICE_KINDS)


def downgrade() -> None:
    unseed_catalog("service_kinds", DEFAULT_SERVICE_KINDS)
