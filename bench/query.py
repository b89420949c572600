"""Query latency: `/stats/overview` and `/stats/timeseries` over a million activities.

Pushing a million events through the projection would take most of the time
budget, so the stats database is filled directly (COPY) with the rollup rows
that a million activities over three years leave behind: `daily_figures` per
community, category and day, `volunteer_hours` and `volunteers`, teams and
their members, requests, care tasks, and the `processed_events` rows the
events would have left (the `as_of` of every answer reads them). The rollups the
projection keeps beside them (`monthly_figures`, `community_volunteers`,
`category_members`, `request_counts`, `request_days`, `request_months`) are worked
out from those rows in the database, as migrations 0003 and 0004 do. The
per-activity rows (`activities`, `activity_hours`) are left out: no query reads
them. Then `ANALYZE`, as autovacuum would have done. A stats process with no
broker answers the queries; the county overview, all time and the requests of
the timed period, is first checked against the figures worked out from the
rows in Python, then each query is sent one at a time, after a warm-up.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import asyncpg

from bench.cluster import DEAD_BROKER, Cluster, admin_token
from bench.dataset import CST
from bench.loadgen import Connection, request_bytes
from bench.memory import RssSampler
from bench.results import Row, latency_summary
from services.registry.categories import SEVEN_COLORS
from services.stats.settings import StatsSettings

TARGET_P99_MS = 20.0
DAYS = 3 * 365 + 1
BRANCH = "第1大支部"
# The zone the stats process counts days in; the period of "overview, county, a period".
ZONE = StatsSettings().timezone
PERIOD_DAYS_AGO = (400, 20)
COLUMNS = {
    "categories": ["code", "name", "description", "position"],
    "communities": ["id", "name", "branch"],
    "daily_figures": [
        "community_id",
        "category",
        "day",
        "activities",
        "people_served",
        "volunteer_hours",
        "certified_hours",
    ],
    "teams": ["id", "community_id", "category", "name", "status", "version"],
    "volunteers": ["id", "community_id", "name", "is_party_member", "active", "version"],
    "team_members": ["team_id", "volunteer_id"],
    "volunteer_hours": ["volunteer_id", "community_id", "hours", "certified_hours"],
    "requests": [
        "id",
        "community_id",
        "category",
        "service_kind",
        "status",
        "team_id",
        "submitted_at",
        "due_at",
        "completed_at",
        "rating",
        "overdue",
        "version",
    ],
    "care_tasks": [
        "id",
        "community_id",
        "kind",
        "reason",
        "status",
        "overdue",
        "due_on",
        "version",
    ],
    "processed_events": ["consumer", "event_id", "event_time", "processed_at"],
}


@dataclass
class QuerySize:
    activities: int
    volunteers: int
    requests: int
    communities: int
    repeats: int
    seconds: float


def _communities(size: QuerySize) -> list[str]:
    return [f"q{i:03d}" for i in range(size.communities)]


async def fill(dsn: str, size: QuerySize, today: date) -> dict[str, Any]:
    """Rows as a million activities (and the rest) leave them; how many of each."""
    rng = random.Random(5)
    communities = _communities(size)
    colors = [code for code, _, _ in SEVEN_COLORS]
    rows: dict[str, list[tuple[Any, ...]]] = {
        "categories": [(c, n, d, i) for i, (c, n, d) in enumerate(SEVEN_COLORS)],
        "communities": [(c, f"社区{c}", f"第{i % 4 + 1}大支部") for i, c in enumerate(communities)],
    }
    keys = [
        (c, k, today - timedelta(days=d)) for c in communities for k in colors for d in range(DAYS)
    ]
    mean = size.activities / len(keys)
    daily = []
    for community, category, day in keys:
        count = rng.randint(0, max(1, round(2 * mean)))
        if count:
            hours = Decimal(count * rng.choice((4, 5, 6, 8)))
            daily.append(
                (community, category, day, count, count * rng.randint(5, 30), hours, hours / 2)
            )
    rows["daily_figures"] = daily
    teams = [(uuid.uuid4(), c, k) for c in communities for k in colors for _ in range(3)]
    rows["teams"] = [(t, c, k, f"{k}队", "active", 1) for t, c, k in teams]
    volunteers = []
    members = []
    hours_rows = []
    for n in range(size.volunteers):
        volunteer = uuid.uuid4()
        team, community, _ = teams[n % len(teams)]
        volunteers.append((volunteer, community, f"志愿者{n}", n % 3 == 0, n % 20 != 0, 1))
        members.append((team, volunteer))
        hours = Decimal(rng.randint(0, 4000)) / 4
        hours_rows.append((volunteer, community, hours, hours / 2))
    rows["volunteers"], rows["team_members"], rows["volunteer_hours"] = (
        volunteers,
        members,
        hours_rows,
    )
    statuses = [
        "submitted",
        "assigned",
        "accepted",
        "completed",
        "completed",
        "completed",
        "cancelled",
    ]
    requests = []
    now = datetime.now(UTC)
    for _ in range(size.requests):
        submitted = now - timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        status = rng.choice(statuses)
        done = submitted + timedelta(hours=rng.randint(1, 100)) if status == "completed" else None
        requests.append(
            (
                uuid.uuid4(),
                rng.choice(communities),
                rng.choice(colors),
                "elderly_care",
                status,
                None,
                submitted,
                submitted + timedelta(hours=72),
                done,
                rng.randint(3, 5) if done else None,
                status in ("submitted", "assigned") and rng.random() < 0.2,
                3,
            )
        )
    rows["requests"] = requests
    rows["care_tasks"] = [
        (
            uuid.uuid4(),
            rng.choice(communities),
            rng.choice(("visit", "talk")),
            "hospitalized",
            rng.choice(("open", "done", "done")),
            rng.random() < 0.1,
            today + timedelta(days=rng.randint(-300, 7)),
            1,
        )
        for _ in range(size.requests // 10)
    ]
    # The inbox the events leave: ~1.6 events per activity, 2 per volunteer, 3 per request.
    processed = []
    for consumer, count in (
        ("activities", size.activities * 8 // 5),
        ("registry", size.volunteers * 2),
        ("requests", size.requests * 3),
    ):
        for n in range(count):
            moment = now - timedelta(seconds=(count - n) * 60)
            processed.append((consumer, uuid.uuid4(), moment, moment))
    rows["processed_events"] = processed
    connection = await asyncpg.connect(dsn)
    try:
        for table, records in rows.items():
            await connection.copy_records_to_table(table, records=records, columns=COLUMNS[table])
        for statement in ROLLUPS:
            await connection.execute(statement)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    counts: dict[str, Any] = {table: len(records) for table, records in rows.items()}
    counts["activities_represented"] = sum(r[3] for r in daily)
    counts["expected"] = _expected(rows)
    start, end = (today - timedelta(days=ago) for ago in PERIOD_DAYS_AGO)
    counts["expected_period"] = _expected_requests(
        [r for r in requests if start <= r[6].astimezone(ZoneInfo(ZONE)).date() <= end]
    )
    counts["period"] = (start.isoformat(), end.isoformat())
    return counts


# The rollups as the projection would have kept them, from the rows just copied.
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
    " FROM teams t JOIN team_members m ON m.team_id = t.id"
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
OPEN = ("submitted", "assigned", "accepted")


def _expected(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
    """The county overview's headline figures, worked out from the rows in Python."""
    active = [v for v in rows["volunteers"] if v[4]]
    daily = rows["daily_figures"]
    return {
        "volunteers": len(active),
        "party_member_volunteers": sum(1 for v in active if v[3]),
        "teams": sum(1 for t in rows["teams"] if t[4] == "active"),
        "activities": sum(r[3] for r in daily),
        "people_served": sum(r[4] for r in daily),
        "volunteer_hours": float(sum(r[5] for r in daily)),
        "certified_hours": float(sum(r[6] for r in daily)),
        "requests": _expected_requests(rows["requests"]),
    }


def _expected_requests(requests: list[tuple[Any, ...]]) -> dict[str, Any]:
    done = [r for r in requests if r[4] == "completed"]
    rated = [r[9] for r in requests if r[9] is not None]
    return {
        "submitted": len(requests),
        "open": sum(1 for r in requests if r[4] in OPEN),
        "completed": len(done),
        "cancelled": sum(1 for r in requests if r[4] == "cancelled"),
        "overdue": sum(1 for r in requests if r[4] in OPEN and r[10]),
        "on_time_rate": round(sum(1 for r in done if r[8] <= r[7]) / len(done), 4)
        if done
        else None,
        "avg_rating": round(sum(rated) / len(rated), 2) if rated else None,
    }


async def _check_overview(port: int, headers: dict[str, str], counts: dict[str, Any]) -> None:
    """The county overview, all time and of the period, must show what the rows hold,
    or the timings mean nothing."""
    expected = counts["expected"]
    start, end = counts["period"]
    connection = Connection("127.0.0.1", port)
    try:
        response = await connection.send(request_bytes("GET", "/stats/overview", headers=headers))
        path = f"/stats/overview?from={start}&to={end}"
        in_period = await connection.send(request_bytes("GET", path, headers=headers))
    finally:
        await connection.close()
    figures = response.json()
    assert isinstance(figures, dict), figures
    got = {key: figures[key] for key in expected if key != "requests"}
    got["requests"] = {key: figures["requests"][key] for key in expected["requests"]}
    if got != expected:
        raise RuntimeError(f"county overview {got} is not the expected {expected}")
    period_figures = in_period.json()
    assert isinstance(period_figures, dict), period_figures
    period_requests = {key: period_figures["requests"][key] for key in expected["requests"]}
    if period_requests != counts["expected_period"]:
        raise RuntimeError(
            f"period requests {period_requests} are not the expected {counts['expected_period']}"
        )


def queries(size: QuerySize, today: date) -> list[tuple[str, str, bool]]:
    """(name, path, whether the 20 ms target applies)."""
    community = _communities(size)[0]
    three_years = (today - timedelta(days=DAYS - 1)).isoformat()
    return [
        ("overview, county", "/stats/overview", True),
        ("overview, branch", f"/stats/overview?scope=branch&id={quote(BRANCH)}", True),
        ("overview, community", f"/stats/overview?scope=community&id={community}", True),
        # A period: whole months from the monthly rollups, partial months at its edges
        # from the daily ones.
        (
            "overview, county, a period",
            f"/stats/overview?from={(today - timedelta(days=PERIOD_DAYS_AGO[0])).isoformat()}"
            f"&to={(today - timedelta(days=PERIOD_DAYS_AGO[1])).isoformat()}",
            True,
        ),
        ("timeseries, day, 30 days", "/stats/timeseries", True),
        (
            "timeseries, month, 3 years",
            f"/stats/timeseries?metric=volunteer_hours&interval=month&from={three_years}",
            True,
        ),
        ("leaderboard, county", "/stats/leaderboard", False),
    ]


async def _time(port: int, raw: bytes, repeats: int, budget: float) -> list[float]:
    """Latencies of up to `repeats` requests, stopping after `budget` seconds (20 at least),
    after a warm-up of a tenth as many (a fifth of the budget at most)."""
    connection = Connection("127.0.0.1", port)
    try:
        warm_until = time.perf_counter() + budget / 5
        for _ in range(max(5, repeats // 10)):
            await connection.send(raw)
            if time.perf_counter() > warm_until:
                break
        seconds: list[float] = []
        deadline = time.perf_counter() + budget
        for _ in range(repeats):
            if len(seconds) >= 20 and time.perf_counter() > deadline:
                break
            started = time.perf_counter()
            response = await connection.send(raw)
            seconds.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"query answered {response.status}: {response.body[:300]!r}")
        return seconds
    finally:
        await connection.close()


async def run(cluster: Cluster, size: QuerySize, sampler: RssSampler) -> list[Row]:
    url = await cluster.databases.create("stats_query", "stats")
    today = datetime.now(CST).date()
    started = time.perf_counter()
    counts = await fill(cluster.databases.dsn("stats_query"), size, today)
    filled = time.perf_counter() - started
    stats = cluster.start(
        "stats", name="stats-query", STATS_DATABASE_URL=url, KAFKA_BOOTSTRAP_SERVERS=DEAD_BROKER
    )
    sampler.watch("stats-query", stats.pid)
    try:
        await cluster.wait_healthy(stats)
        headers = {"Authorization": f"Bearer {admin_token()}"}
        await _check_overview(stats.port, headers, counts)
        represented = counts["activities_represented"]
        note = f"{represented / 1e6:.2f}M activities, filled directly"
        rows = []
        for name, path, targeted in queries(size, today):
            raw = request_bytes("GET", path, headers=headers)
            seconds = await _time(stats.port, raw, size.repeats, size.seconds)
            summary = latency_summary(seconds)
            rows.append(
                Row(
                    f"query {name} p99",
                    summary["p99_ms"],
                    "ms",
                    target=f"≤ {TARGET_P99_MS:.0f} ms" if targeted else "",
                    met=summary["p99_ms"] <= TARGET_P99_MS if targeted else None,
                    note=f"p50 {summary['p50_ms']:.1f} ms, {len(seconds)} requests; {note}",
                    extra={
                        "path": path,
                        **{k: round(v, 2) for k, v in summary.items()},
                        "rows": counts,
                        "fill_seconds": round(filled, 1),
                    },
                )
            )
        return rows
    finally:
        cluster.stop("stats-query")
