"""requests per local day and month of submission, for the figures of a period"""

from collections import defaultdict
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import shared.db
from services.stats.settings import StatsSettings
from shared import migration_helpers as common

revision = "0004"
down_revision = "0003"

AMOUNTS = [
    "requests",
    "open",
    "completed",
    "cancelled",
    "overdue",
    "on_time",
    "rating_sum",
    "ratings",
]
OPEN = ("submitted", "assigned", "accepted")


def _columns() -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in AMOUNTS]


def upgrade() -> None:
    """Upgrade schema, and fill the new rollups from the requests already there."""
    op.create_table(
        "request_days",
        sa.Column("day", sa.Date(), nullable=False),
        common.community_id(),
        common.category(),
        *_columns(),
        sa.PrimaryKeyConstraint("day", "community_id", "category", name=op.f("pk_request_days")),
    )
    op.create_table(
        "request_months",
        common.community_id(),
        common.category(),
        sa.Column("month", sa.Date(), nullable=False),
        *_columns(),
        sa.PrimaryKeyConstraint(
            "community_id", "category", "month", name=op.f("pk_request_months")
        ),
    )
    zone = StatsSettings().timezone
    bind = op.get_bind()
    names = ", ".join(AMOUNTS)
    if bind.dialect.name == "postgresql":
        is_open = "status IN ('submitted', 'assigned', 'accepted')"
        op.execute(
            sa.text(
                f"INSERT INTO request_days (day, community_id, category, {names})"
                " SELECT CAST(submitted_at AT TIME ZONE :zone AS date) AS local_day,"
                " community_id, category, count(*),"
                f" count(*) FILTER (WHERE {is_open}),"
                " count(*) FILTER (WHERE status = 'completed'),"
                " count(*) FILTER (WHERE status = 'cancelled'),"
                f" count(*) FILTER (WHERE {is_open} AND overdue),"
                " count(*) FILTER (WHERE status = 'completed' AND completed_at <= due_at),"
                " coalesce(sum(rating), 0), count(rating)"
                " FROM requests GROUP BY local_day, community_id, category"
            ).bindparams(zone=zone)
        )
    else:
        _fill_days_in_python(bind, ZoneInfo(zone))
    sqlite = bind.dialect.name == "sqlite"
    month = "date(day, 'start of month')" if sqlite else "CAST(date_trunc('month', day) AS date)"
    sums = ", ".join(f"sum({name})" for name in AMOUNTS)
    op.execute(
        f"INSERT INTO request_months (community_id, category, month, {names})"
        f" SELECT community_id, category, {month}, {sums}"
        f" FROM request_days GROUP BY community_id, category, {month}"
    )


def _fill_days_in_python(bind: sa.Connection, zone: ZoneInfo) -> None:
    """SQLite knows no time zones: the local days are worked out here."""
    requests = sa.table(
        "requests",
        sa.column("community_id", sa.String()),
        sa.column("category", sa.String()),
        sa.column("status", sa.String()),
        sa.column("overdue", sa.Boolean()),
        sa.column("submitted_at", shared.db.UTCDateTime()),
        sa.column("completed_at", shared.db.UTCDateTime()),
        sa.column("due_at", shared.db.UTCDateTime()),
        sa.column("rating", sa.Integer()),
    )
    days: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0] * len(AMOUNTS))
    for row in bind.execute(sa.select(requests)):
        is_open, done = row.status in OPEN, row.status == "completed"
        on_time = done and row.completed_at is not None and row.completed_at <= row.due_at
        entry = days[(row.submitted_at.astimezone(zone).date(), row.community_id, row.category)]
        for i, amount in enumerate(
            (
                1,
                is_open,
                done,
                row.status == "cancelled",
                is_open and row.overdue,
                on_time,
                row.rating or 0,
                row.rating is not None,
            )
        ):
            entry[i] += int(amount)
    if days:
        target = sa.table(
            "request_days",
            sa.column("day", sa.Date()),
            sa.column("community_id", sa.String()),
            sa.column("category", sa.String()),
            *(sa.column(name, sa.Integer()) for name in AMOUNTS),
        )
        op.bulk_insert(
            target,
            [
                {
                    "day": day,
                    "community_id": community,
                    "category": category,
                    **dict(zip(AMOUNTS, amounts, strict=True)),
                }
                for (day, community, category), amounts in days.items()
            ],
        )


def downgrade() -> None:
    op.drop_table("request_months")
    op.drop_table("request_days")
