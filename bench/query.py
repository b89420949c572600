"""Query latency: `/stats/overview` and `/stats/timeseries` at 100k, 1M and 10M activities.

Pushing millions of events through the projection would take the whole time
budget, so each stats database is filled directly, in SQL, with the rows that
so many activities over three years leave behind: `daily_figures` per
community, category and day, `volunteer_hours` and `volunteers`, teams and
their members, requests, care tasks, the `processed_events` claims and the
`consumer_progress` rows the consumers keep (the `as_of` of every answer reads
the latter). The rollups the
projection keeps beside them (`monthly_figures`, `community_volunteers`,
`category_members`, `request_counts`, `request_days`, `request_months`) are
worked out from those rows, as migrations 0003 and 0004 do. The per-activity
rows (`activities`, `activity_hours`) are left out: no query reads them. Then
`VACUUM ANALYZE`, as autovacuum would have done.

How a county grows (issue 18): a bigger county is more communities and more
volunteers, not only more days. Issue 18's province, 10,000 communities with
100M activities a year, is 10,000 activities a community a year, 30,000 over
the three years kept here; so a size has `activities / 30,000` communities
(at least 20, the bench's county until now): 20 at 100k (5,000 activities a
community), 33 at 1M, 333 at 10M. Volunteers and requests are a tenth of the
activities (100,000 each at 1M, as before), care tasks a hundredth; a branch
(大支部) holds five communities; every community has three teams of each color.
`processed_events` holds what the consumers keep: claims of the last
`consumer_claims_retention_days` (35) of events, ~1.6 events per activity,
2 per volunteer and 3 per request.

The databases are cached on the server (`bench/cache.py`): a fill of 10M takes
minutes, the timing seconds. Before anything is timed, a stats process with no
broker must show the county overview, all time and the requests of a period,
exactly as the figures summed from the base rows when the database was filled;
then each query is sent one at a time, after a warm-up.
"""

from __future__ import annotations

import asyncio
import time
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import asyncpg

from bench.cache import cached_database, database_name, drop_other_versions, mark_complete, say
from bench.cache import version as cache_version
from bench.cluster import DEAD_BROKER, Cluster, admin_token
from bench.dataset import CST
from bench.loadgen import Connection, request_bytes
from bench.memory import RssSampler
from bench.querydata import BRANCH, DAYS, PERIOD_DAYS_AGO, QuerySize, fill
from bench.results import Row, latency_summary
from services import service_module
from shared.migrate import upgrade

# What makes a cached database: the fill and the stats schema head (bench/cache.py).
SOURCES = ("bench/querydata.py",)


async def prepare(cluster: Cluster, size: QuerySize) -> tuple[str, dict[str, Any]]:
    """The cached database of `size` (filled now if absent): its URL and what it holds."""
    server = cluster.databases.server
    tag = cache_version(SOURCES)
    name = database_name("query", size.activities, tag)
    url = cluster.databases.url_of(name)
    counts = await cached_database(server, name)
    if counts is not None:
        say(f"cache used: {name}")
        return url, counts
    await drop_other_versions(server, "query", size.activities, name)
    say(f"cache cold: filling {name} ({size.activities:,} activities; kept for the next runs)")
    started = time.perf_counter()
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    module = service_module("stats")
    await _in_thread(upgrade, url, module.MIGRATIONS, module.METADATA)
    counts = await fill(cluster.databases.dsn_of(name), size, datetime.now(CST).date())
    counts["fill_seconds"] = round(time.perf_counter() - started, 1)
    await mark_complete(server, name, counts)
    say(f"cache built: {name} in {counts['fill_seconds']} s")
    return url, counts


async def _in_thread(function: Any, *args: Any) -> Any:
    return await asyncio.to_thread(function, *args)


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
    community = "q0000"
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
    """The queries of one size, against its cached database (filled first if absent)."""
    url, counts = await prepare(cluster, size)
    today = date.fromisoformat(counts["filled_on"])
    name = f"stats-query-{size.label}"
    stats = cluster.start(
        "stats", name=name, STATS_DATABASE_URL=url, KAFKA_BOOTSTRAP_SERVERS=DEAD_BROKER
    )
    sampler.watch(name, stats.pid)
    try:
        await cluster.wait_healthy(stats)
        headers = {"Authorization": f"Bearer {admin_token()}"}
        await _check_overview(stats.port, headers, counts)
        represented = counts["activities_represented"]
        note = (
            f"{represented / 1e6:.2f}M activities, {counts['communities']} communities,"
            f" {counts['volunteers']:,} volunteers"
        )
        target = size.target_ms
        rows = []
        for query, path, targeted in queries(size, today):
            raw = request_bytes("GET", path, headers=headers)
            seconds = await _time(stats.port, raw, size.repeats, size.seconds)
            summary = latency_summary(seconds)
            applies = targeted and target is not None
            rows.append(
                Row(
                    f"query {query} p99 @{size.label}",
                    summary["p99_ms"],
                    "ms",
                    target=f"≤ {target:.0f} ms" if applies and target else "",
                    met=summary["p99_ms"] <= target if applies and target else None,
                    note=f"p50 {summary['p50_ms']:.1f} ms, {len(seconds)} requests; {note}",
                    extra={
                        "path": path,
                        "activities": size.activities,
                        **{k: round(v, 2) for k, v in summary.items()},
                        "rows": counts,
                    },
                )
            )
        return rows
    finally:
        cluster.stop(name)
