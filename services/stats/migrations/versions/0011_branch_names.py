"""branches kept by their names (社区大支部)

The registry's branch events (registered, changed) are kept: each branch's id, name and
version, so the overview, the areas, the report and the public page name a branch as the
registry does. Until the projections are rebuilt (`qise stats rebuild`), a branch whose
events stats has not applied yet is shown by its id, as before.
"""

import sqlalchemy as sa
from alembic import op

from shared import migration_helpers as common

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "branches",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        common.version(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_branches")),
    )


def downgrade() -> None:
    op.drop_table("branches")
