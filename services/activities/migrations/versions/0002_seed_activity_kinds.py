"""seed the default activity kinds

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.activities.kinds import DEFAULT_KINDS

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

kinds = sa.table(
    "activity_kinds",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("category_hint", sa.String),
    sa.column("position", sa.Integer),
)


def upgrade() -> None:
    op.bulk_insert(
        kinds,
        [
            {"code": code, "name": name, "category_hint": hint, "position": position}
            for position, (code, name, hint) in enumerate(DEFAULT_KINDS, start=1)
        ],
    )


def downgrade() -> None:
    op.execute(kinds.delete().where(kinds.c.code.in_([code for code, _, _ in DEFAULT_KINDS])))
