"""certificate numbers come from a counter per prefix, seeded from those issued"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

# Numbers issued so far are "<prefix><serial>", the serial six digits ("QS-c-2026-000012").
SERIAL_DIGITS = 6

certificates = sa.table("certificates", sa.column("number", sa.String))
counters = sa.table(
    "certificate_counters", sa.column("prefix", sa.String), sa.column("last", sa.Integer)
)


def upgrade() -> None:
    op.create_table(
        "certificate_counters",
        sa.Column("prefix", sa.String(length=60), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_certificate_counters")),
    )
    # Each prefix goes on from its highest serial: one statement, for both databases and offline.
    number = certificates.c.number
    split = sa.func.length(number) - SERIAL_DIGITS
    issued = sa.select(
        sa.func.substr(number, 1, split).label("prefix"),
        sa.cast(sa.func.substr(number, split + 1), sa.Integer).label("serial"),
    ).subquery()
    highest = sa.select(issued.c.prefix, sa.func.max(issued.c.serial)).group_by(issued.c.prefix)
    op.execute(counters.insert().from_select(["prefix", "last"], highest))


def downgrade() -> None:
    op.drop_table("certificate_counters")
