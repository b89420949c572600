"""the replica keeps communities and categories by version"""

from services.registry.replica_migrations import add_replica_versions, drop_replica_versions

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    add_replica_versions("communities", "categories")


def downgrade() -> None:
    drop_replica_versions("communities", "categories")
