"""residents can be erased (PIPL, on request or by retention): when, on orders and the care register"""

import sqlalchemy as sa
from alembic import op

import shared.db

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("resident_erased_at", shared.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("care_recipients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("erased_at", shared.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("care_recipients", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_column("resident_erased_at")
