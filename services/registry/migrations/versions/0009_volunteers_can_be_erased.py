"""volunteers can be erased on request (PIPL): when, and no phone kept afterwards"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("erased_at", shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column("phone", existing_type=sa.String(length=20), nullable=True)


def downgrade() -> None:
    # An erased volunteer had no phone: a placeholder unique in its community, as before.
    op.execute(
        "UPDATE volunteers SET phone = 'erased-' || substr(CAST(id AS TEXT), 1, 13)"
        " WHERE phone IS NULL"
    )
    with op.batch_alter_table("volunteers", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column("erased_at")
