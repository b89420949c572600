"""seed the routing table: service kinds and their categories

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.requests.routing import DEFAULT_SERVICE_KINDS

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

kinds = sa.table(
    "service_kinds",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("category", sa.String),
    sa.column("position", sa.Integer),
)


def upgrade() -> None:
    op.bulk_insert(
        kinds,
        [
            {"code": code, "name": name, "category": category, "position": position}
            for position, (code, name, category) in enumerate(DEFAULT_SERVICE_KINDS, start=1)
        ],
    )


def downgrade() -> None:
    op.execute(kinds.delete().where(kinds.c.code.in_([c for c, _, _ in DEFAULT_SERVICE_KINDS])))
