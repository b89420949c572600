"""certificates carry a check code (anyone may verify them) and what they counted"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"

# As services/activities/domain.py draws them: no 0/O, 1/I/L to misread when typed.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8

certificates = sa.table(
    "certificates", sa.column("id", sa.Uuid), sa.column("check_code", sa.String)
)


def upgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("check_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("counted", sa.JSON(), nullable=True))
    # Each certificate issued so far gets a code of its own: drawn here, one row at a time,
    # since no SQL function draws from the same alphabet on both databases.
    bind = op.get_bind()
    for (certificate_id,) in bind.execute(sa.select(certificates.c.id)).all():
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        bind.execute(
            certificates.update().where(certificates.c.id == certificate_id).values(check_code=code)
        )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.alter_column("check_code", existing_type=sa.String(length=16), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("counted")
        batch_op.drop_column("check_code")
