"""Stats projection throughput: a stats process catches up with pre-loaded topics.

The events are already in the topics (the broker baseline put them there). A
fresh stats process starts and `/stats/lag` is polled until every event is
applied; the overview is then checked against the figures worked out when the
events were made. The rate runs from the first batch applied to the last, so
it leaves out the consumer group join, as the raw consume baseline does.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench import broker_baseline
from bench.cache import cached_events, communities_for
from bench.cluster import Cluster, Process
from bench.dataset import Expected
from bench.memory import RssSampler
from bench.profiling import Profiler, Summary
from bench.results import Row
from services import service_module
from shared.migrate import upgrade

# Issue 18: sustained projection ≥ 0.25 × raw consume, figures exact.
TARGET_RATIO = 0.25


@dataclass
class CatchUp:
    """How long until the applied counts reached the expected ones, sampled over time."""

    seconds: float
    complete: bool
    applied: int
    samples: list[tuple[float, int]] = field(default_factory=list)

    def steady_rate(self) -> float:
        """Events per second from the first event applied to the last (no start-up)."""
        moving = [(t, n) for t, n in self.samples if n > 0]
        if len(moving) < 2 or moving[-1][0] <= moving[0][0]:
            return 0.0
        return (moving[-1][1] - moving[0][1]) / (moving[-1][0] - moving[0][0])


async def applied(client: httpx.AsyncClient, stats: Process) -> dict[str, int]:
    lag = (await client.get(stats.url + "/stats/lag")).json()
    return {c["consumer"]: int(c["applied"]) for c in lag.get("consumers", [])}


async def wait_applied(
    client: httpx.AsyncClient,
    stats: Process,
    expected: dict[str, int],
    *,
    timeout: float,
    poll: float = 0.5,
) -> CatchUp:
    started = time.perf_counter()
    samples: list[tuple[float, int]] = []
    total = 0
    while True:
        try:
            counts = await applied(client, stats)
        except httpx.HTTPError:
            counts = {}
        total = sum(counts.get(name, 0) for name in expected)
        now = time.perf_counter() - started
        samples.append((now, total))
        if all(counts.get(name, 0) >= n for name, n in expected.items()):
            return CatchUp(now, True, total, samples)
        if now > timeout:
            return CatchUp(now, False, total, samples)
        await asyncio.sleep(poll)


async def overview(
    client: httpx.AsyncClient, stats: Process, params: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await client.get(stats.url + "/stats/overview", params=params or {})
    response.raise_for_status()
    shown: dict[str, Any] = response.json()
    return shown


def figures_match(shown: dict[str, Any], expected: Expected) -> bool:
    for name, value in expected.figures().items():
        if abs(float(shown.get(name, -1)) - value) > 0.005:
            return False
    return True


def expected_counts(expected: Expected) -> dict[str, int]:
    return {"registry": expected.registry_events, "activities": expected.activity_events}


async def run(
    cluster: Cluster,
    client: httpx.AsyncClient,
    expected: Expected,
    consume_rate: float,
    sampler: RssSampler,
    profiles: Path | None,
    timeout: float,
    *,
    name: str = "stats",
    label: str = "stats projection throughput",
    note: str = "",
    **overrides: str,
) -> tuple[list[Row], Process, Summary | None]:
    """`overrides` go to the stats process's environment (another database, another broker)."""
    stats = cluster.start("stats", name=name, **overrides)
    sampler.watch(name, stats.pid)
    await cluster.wait_healthy(stats)
    profiler = Profiler(f"{name}-projection", stats.pid, profiles) if profiles else None
    if profiler is not None:
        profiler.start()
    caught_up = await wait_applied(client, stats, expected_counts(expected), timeout=timeout)
    summary = profiler.stop() if profiler is not None else None
    shown = await overview(client, stats)
    exact = figures_match(shown, expected)
    rate = caught_up.steady_rate()
    note = f"{expected.events:,} events" + (f"; {note}" if note else "")
    if not caught_up.complete:
        note += f", INCOMPLETE after {caught_up.seconds:.0f} s"
    if not exact:
        note += ", FIGURES DIFFER"
    row = Row(
        label,
        rate,
        "events/s",
        baseline=consume_rate,
        baseline_name="raw consume",
        target=f"ratio ≥ {TARGET_RATIO:.2f}",
        note=note,
        extra={
            "seconds": round(caught_up.seconds, 2),
            "rate_with_startup": round(caught_up.applied / caught_up.seconds, 1),
            "complete": caught_up.complete,
            "figures_exact": exact,
            "expected": expected.figures(),
            "shown": {k: shown.get(k) for k in expected.figures()},
            "clock": "rate: first batch applied to last; seconds: from /healthz answering",
        },
    )
    row.met = caught_up.complete and exact and (row.ratio or 0) >= TARGET_RATIO
    return [row], stats, summary


async def run_sqlite(
    cluster: Cluster,
    client: httpx.AsyncClient,
    events: int,
    consume_rate: float,
    consume_events: int,
    sampler: RssSampler,
    timeout: float,
) -> list[Row]:
    """The same projection with stats on a SQLite file, as `make run` keeps it: its own
    broker pre-loaded with `events` events (fewer than on PostgreSQL when the budget asks)."""
    dataset = cached_events(events, communities_for(events))
    folder = cluster.logs.parent / "sqlite"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{cluster.databases.prefix}_stats.db"
    url = f"sqlite+aiosqlite:///{path}"
    module = service_module("stats")
    await asyncio.to_thread(upgrade, url, module.MIGRATIONS, module.METADATA)
    preloaded = await broker_baseline.preloaded_broker(
        cluster.logs, "broker-sqlite", dataset.messages
    )
    sampler.watch("broker-sqlite", preloaded.process.pid)
    try:
        rows, _, _ = await run(
            cluster,
            client,
            dataset.expected,
            consume_rate,
            sampler,
            None,
            timeout,
            name="stats-sqlite",
            label="stats projection throughput, SQLite",
            note=f"stats on a SQLite file; baseline: raw consume of the {consume_events:,}"
            " events of the row above",
            STATS_DATABASE_URL=url,
            KAFKA_BOOTSTRAP_SERVERS=preloaded.bootstrap,
        )
        return rows
    finally:
        cluster.stop("stats-sqlite")
        preloaded.stop()
        for leftover in folder.glob(f"{path.name}*"):
            leftover.unlink()
