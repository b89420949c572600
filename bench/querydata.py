"""The query databases' rows, made in SQL on the server (millions of rows in seconds):
see `bench/query.py` for what they represent and how a county grows with its size.
A change here builds the cached databases again (`bench/cache.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from services.registry.categories import SEVEN_COLORS
from services.stats.settings import StatsSettings

# Issue 18: p99 ≤ 10 ms at 1M activities, ≤ 20 ms at 10M; below 1M printed, no target.
TARGETS_MS = {1_000_000: 10.0, 10_000_000: 20.0}
DAYS = 3 * 365 + 1
ACTIVITIES_PER_COMMUNITY = 30_000
MIN_COMMUNITIES = 20
COMMUNITIES_PER_BRANCH = 5
BRANCH = "第1大支部"
# The zone the stats process counts days in; the period of "overview, county, a period".
ZONE = StatsSettings().timezone
RETENTION_DAYS = StatsSettings().consumer_claims_retention_days
PERIOD_DAYS_AGO = (400, 20)
OPEN = ("submitted", "assigned", "accepted")


@dataclass(frozen=True)
class QuerySize:
    activities: int
    repeats: int
    seconds: float

    @property
    def communities(self) -> int:
        return max(MIN_COMMUNITIES, round(self.activities / ACTIVITIES_PER_COMMUNITY))

    @property
    def branches(self) -> int:
        return max(1, self.communities // COMMUNITIES_PER_BRANCH)

    @property
    def volunteers(self) -> int:
        return self.activities // 10

    @property
    def requests(self) -> int:
        return self.activities // 10

    @property
    def target_ms(self) -> float | None:
        return TARGETS_MS.get(self.activities)

    @property
    def label(self) -> str:
        n = self.activities
        return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k"


def _statements(size: QuerySize, today: date, now: datetime) -> list[str]:
    """The fill, in SQL on the server: millions of rows in seconds, seeded (repeatable)."""
    colors = ", ".join(f"('{code}', {i})" for i, (code, _, _) in enumerate(SEVEN_COLORS))
    categories = ", ".join(
        f"('{c}', '{n}', '{d}', {i}, 1)" for i, (c, n, d) in enumerate(SEVEN_COLORS)
    )
    keys = size.communities * len(SEVEN_COLORS) * DAYS
    mean = size.activities / keys
    retention = RETENTION_DAYS * 86400
    # Community ids are q0000, q0001, ...: one drawn at random without a lookup.
    community = f"'q' || lpad(floor(random() * {size.communities})::int::text, 4, '0')"
    today_sql, now_sql = f"DATE '{today.isoformat()}'", f"TIMESTAMPTZ '{now.isoformat()}'"
    return [
        "SELECT setseed(0.5)",
        f"INSERT INTO categories (code, name, description, position, version) VALUES {categories}",
        "INSERT INTO communities (id, name, branch, version)"
        " SELECT 'q' || lpad(i::text, 4, '0'), '社区q' || lpad(i::text, 4, '0'),"
        f" '第' || (i % {size.branches} + 1) || '大支部', 1"
        f" FROM generate_series(0, {size.communities - 1}) AS i",
        # floor(2·mean·u + v) with u, v uniform on [0, 1) has mean `mean` exactly.
        "INSERT INTO daily_figures (community_id, category, day, activities, people_served,"
        " volunteer_hours, certified_hours)"
        " SELECT community_id, category, day, n, people, h, h / 2"
        " FROM (SELECT community_id, category, day, n, n * (5 + floor(random() * 26)::int)"
        " AS people, n * (ARRAY[4, 5, 6, 8])[1 + floor(random() * 4)::int]::numeric AS h"
        " FROM (SELECT c.id AS community_id, k.code AS category,"
        f" {today_sql} - d AS day, floor({2 * mean!r} * random() + random())::int AS n"
        f" FROM communities c CROSS JOIN (VALUES {colors}) AS k(code, position)"
        f" CROSS JOIN generate_series(0, {DAYS - 1}) AS d) AS drawn WHERE n > 0) AS sized",
        "INSERT INTO teams (id, community_id, category, name, status, version)"
        " SELECT gen_random_uuid(), c.id, k.code, k.code || '队', 'active', 1"
        f" FROM communities c CROSS JOIN (VALUES {colors}) AS k(code, position)"
        " CROSS JOIN generate_series(1, 3)",
        "CREATE TEMPORARY TABLE numbered_teams AS"
        " SELECT row_number() OVER (ORDER BY community_id, category, id) - 1 AS n,"
        " id, community_id FROM teams",
        "CREATE TEMPORARY TABLE new_volunteers AS"
        " SELECT gen_random_uuid() AS id, i, t.id AS team_id, t.community_id,"
        " floor(random() * 4001)::numeric / 4 AS hours"
        f" FROM generate_series(0, {size.volunteers - 1}) AS i"
        " JOIN numbered_teams t ON t.n = i % (SELECT count(*) FROM numbered_teams)",
        "INSERT INTO volunteers (id, community_id, name, is_party_member, active, version)"
        " SELECT id, community_id, '志愿者' || i, i % 3 = 0, i % 20 <> 0, 1 FROM new_volunteers",
        "INSERT INTO team_members (team_id, volunteer_id, member, version)"
        " SELECT team_id, id, true, 1 FROM new_volunteers",
        "INSERT INTO volunteer_hours (volunteer_id, community_id, hours, certified_hours)"
        " SELECT id, community_id, hours, hours / 2 FROM new_volunteers",
        # Served by a team of their own community once assigned; one in twenty by
        # another community's (the branch's joint work), one in thirty escalated.
        "INSERT INTO requests (id, community_id, category, service_kind, status, team_id,"
        " submitted_at, due_at, completed_at, rating, overdue, version,"
        " serving_community_id, escalated_at, branch_assigned)"
        " SELECT gen_random_uuid(), community_id, category, 'elderly_care', status, NULL,"
        " submitted, submitted + interval '72 hours',"
        " CASE WHEN status = 'completed' THEN submitted + done END,"
        " CASE WHEN status = 'completed' THEN 3 + floor(random() * 3)::int END,"
        " status IN ('submitted', 'assigned') AND random() < 0.2, 3,"
        " CASE WHEN status IN ('submitted', 'cancelled') THEN NULL"
        f" WHEN across THEN {community} ELSE community_id END,"
        " CASE WHEN escalated THEN submitted + interval '1 day' END,"
        " across AND status NOT IN ('submitted', 'cancelled')"
        f" FROM (SELECT {community} AS community_id, random() < 0.05 AS across,"
        " random() < 0.033 AS escalated,"
        f" ('{{{','.join(code for code, _, _ in SEVEN_COLORS)}}}'::text[])"
        "[1 + floor(random() * 7)::int] AS category,"
        f" ('{{{','.join(('submitted', 'assigned', 'accepted') + ('completed',) * 3)},cancelled}}'"
        "::text[])[1 + floor(random() * 7)::int] AS status,"
        f" {now_sql} - floor(random() * {DAYS * 24 * 60})::int * interval '1 minute'"
        " AS submitted,"
        " (1 + floor(random() * 100)::int) * interval '1 hour' AS done"
        f" FROM generate_series(1, {size.requests}) AS i) AS drawn",
        "INSERT INTO care_tasks (id, community_id, kind, reason, status, overdue, due_on, version)"
        f" SELECT gen_random_uuid(), {community},"
        " (ARRAY['visit', 'talk'])[1 + floor(random() * 2)::int], 'hospitalized',"
        " (ARRAY['open', 'done', 'done'])[1 + floor(random() * 3)::int], random() < 0.1,"
        f" {today_sql} + (floor(random() * 308)::int - 300), 1"
        f" FROM generate_series(1, {max(1, size.activities // 100)}) AS i",
        # The claims the consumers keep: the last `retention` seconds of each stream,
        # evenly spaced; a stream of n events over three years keeps n·retention/3y.
        *(
            "INSERT INTO processed_events (consumer, event_id, event_time, processed_at)"
            f" SELECT '{consumer}', gen_random_uuid(), t, t FROM (SELECT {now_sql}"
            f" - (i * {retention / max(1, kept)!r}) * interval '1 second' AS t"
            f" FROM generate_series(1, {kept}) AS i) AS kept"
            for consumer, total in (
                ("activities", size.activities * 8 // 5),
                ("registry", size.volunteers * 2),
                ("requests", size.requests * 3),
            )
            for kept in [max(1, round(total * RETENTION_DAYS / DAYS))]
        ),
        # Each consumer's progress: one row a partition, as a consumer group keeps it.
        *(
            "INSERT INTO consumer_progress (consumer, group_id, topic, partition,"
            " next_offset, applied, newest_event_time, updated_at)"
            f" SELECT '{consumer}', 'qise-stats-g1-{consumer}', '{topic}', p, {total} / 3,"
            f" {total} / 3, {now_sql}, {now_sql} FROM generate_series(0, 2) AS p"
            for consumer, topic, total in (
                ("activities", "qise.activities.events", size.activities * 8 // 5),
                ("registry", "qise.registry.events", size.volunteers * 2),
                ("requests", "qise.requests.events", size.requests * 3),
            )
        ),
        *ROLLUPS,
        # As autovacuum would have left them: statistics, and the visibility map that
        # lets the covering indexes answer without the table.
        "VACUUM ANALYZE",
    ]


# The rollups as the projection would have kept them, from the rows just filled.
ROLLUPS = (
    "INSERT INTO monthly_figures (community_id, category, month, activities, people_served,"
    " volunteer_hours, certified_hours) SELECT community_id, category,"
    " CAST(date_trunc('month', day) AS date), sum(activities), sum(people_served),"
    " sum(volunteer_hours), sum(certified_hours) FROM daily_figures"
    " GROUP BY community_id, category, CAST(date_trunc('month', day) AS date)",
    "INSERT INTO community_volunteers (community_id, volunteers, party_members)"
    " SELECT community_id, count(*), count(*) FILTER (WHERE is_party_member)"
    " FROM volunteers WHERE active GROUP BY community_id",
    "INSERT INTO category_members (community_id, category, members)"
    " SELECT t.community_id, t.category, count(DISTINCT m.volunteer_id)"
    " FROM teams t JOIN team_members m ON m.team_id = t.id AND m.member"
    " JOIN volunteers v ON v.id = m.volunteer_id"
    " WHERE t.status = 'active' AND v.active GROUP BY t.community_id, t.category",
    "INSERT INTO request_counts"
    " (community_id, category, status, requests, overdue, on_time, rating_sum, ratings)"
    " SELECT community_id, category, status, count(*), count(*) FILTER (WHERE overdue),"
    " count(*) FILTER (WHERE status = 'completed' AND completed_at <= due_at),"
    " coalesce(sum(rating), 0), count(rating)"
    " FROM requests GROUP BY community_id, category, status",
    # Local days of submission in the stats service's zone (the bench's default), as
    # migration 0004 fills them.
    "INSERT INTO request_days (day, community_id, category, requests, open, completed,"
    " cancelled, overdue, on_time, rating_sum, ratings)"
    f" SELECT CAST(submitted_at AT TIME ZONE '{ZONE}' AS date) AS local_day, community_id,"
    " category, count(*), count(*) FILTER (WHERE status IN ('submitted', 'assigned', 'accepted')),"
    " count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'cancelled'),"
    " count(*) FILTER (WHERE status IN ('submitted', 'assigned', 'accepted') AND overdue),"
    " count(*) FILTER (WHERE status = 'completed' AND completed_at <= due_at),"
    " coalesce(sum(rating), 0), count(rating)"
    " FROM requests GROUP BY local_day, community_id, category",
    "INSERT INTO request_months (community_id, category, month, requests, open, completed,"
    " cancelled, overdue, on_time, rating_sum, ratings)"
    " SELECT community_id, category, CAST(date_trunc('month', day) AS date), sum(requests),"
    " sum(open), sum(completed), sum(cancelled), sum(overdue), sum(on_time), sum(rating_sum),"
    " sum(ratings) FROM request_days"
    " GROUP BY community_id, category, CAST(date_trunc('month', day) AS date)",
)

# The figures to check, summed from the base rows (not the rollups the service reads).
EXPECTED = (
    "SELECT (SELECT count(*) FROM volunteers WHERE active) AS volunteers,"
    " (SELECT count(*) FROM volunteers WHERE active AND is_party_member)"
    " AS party_member_volunteers,"
    " (SELECT count(*) FROM teams WHERE status = 'active') AS teams,"
    " sum(activities) AS activities, sum(people_served) AS people_served,"
    " sum(volunteer_hours) AS volunteer_hours, sum(certified_hours) AS certified_hours"
    " FROM daily_figures"
)
EXPECTED_REQUESTS = (
    "SELECT count(*) AS submitted,"
    " count(*) FILTER (WHERE status IN ('submitted', 'assigned', 'accepted')) AS open,"
    " count(*) FILTER (WHERE status = 'completed') AS completed,"
    " count(*) FILTER (WHERE status = 'cancelled') AS cancelled,"
    " count(*) FILTER (WHERE status IN ('submitted', 'assigned', 'accepted') AND overdue)"
    " AS overdue,"
    " count(*) FILTER (WHERE status = 'completed' AND completed_at <= due_at) AS on_time,"
    " sum(rating) AS rating_sum, count(rating) AS ratings FROM requests"
)


def _request_figures(row: asyncpg.Record) -> dict[str, Any]:
    done, ratings = row["completed"], row["ratings"]
    return {
        "submitted": row["submitted"],
        "open": row["open"],
        "completed": done,
        "cancelled": row["cancelled"],
        "overdue": row["overdue"],
        "on_time_rate": round(row["on_time"] / done, 4) if done else None,
        "avg_rating": round(row["rating_sum"] / ratings, 2) if ratings else None,
    }


async def fill(dsn: str, size: QuerySize, today: date) -> dict[str, Any]:
    """The rows of `size`; what was filled and the figures the overview must show."""
    start, end = (today - timedelta(days=ago) for ago in PERIOD_DAYS_AGO)
    connection = await asyncpg.connect(dsn)
    try:
        for statement in _statements(size, today, datetime.now(UTC)):
            await connection.execute(statement)
        figures = dict(await connection.fetchrow(EXPECTED))
        counts: dict[str, Any] = {
            table: await connection.fetchval(f"SELECT count(*) FROM {table}")
            for table in (
                "communities",
                "daily_figures",
                "monthly_figures",
                "volunteers",
                "teams",
                "requests",
                "care_tasks",
                "processed_events",
            )
        }
        figures["volunteer_hours"] = float(figures["volunteer_hours"])
        figures["certified_hours"] = float(figures["certified_hours"])
        figures["requests"] = _request_figures(await connection.fetchrow(EXPECTED_REQUESTS))
        in_period = await connection.fetchrow(
            EXPECTED_REQUESTS
            + f" WHERE CAST(submitted_at AT TIME ZONE '{ZONE}' AS date) BETWEEN $1 AND $2",
            start,
            end,
        )
    finally:
        await connection.close()
    counts["activities_represented"] = figures["activities"]
    counts["expected"] = figures
    counts["expected_period"] = _request_figures(in_period)
    counts["period"] = (start.isoformat(), end.isoformat())
    counts["filled_on"] = today.isoformat()
    return counts
