"""the replica knows the resident unit that formed each team; an order knows the unit whose
team serves it"""

import sqlalchemy as sa
from alembic import op

from services.registry import replica_migrations

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    replica_migrations.add_team_unit()
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("serving_unit_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_column("serving_unit_id")
    replica_migrations.drop_team_unit()
