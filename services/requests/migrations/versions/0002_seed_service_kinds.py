"""seed the routing table: service kinds and their categories

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from services.requests.routing import DEFAULT_SERVICE_KINDS
from shared.seed_migrations import seed_catalog, unseed_catalog

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    seed_catalog("service_kinds", "category", DEFAULT_SERVICE_KINDS)


def downgrade() -> None:
    unseed_catalog("service_kinds", DEFAULT_SERVICE_KINDS)
