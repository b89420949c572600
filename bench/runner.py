"""Runs the selected benchmarks in order on one set of processes, prints the table
and writes the JSON report. Everything it starts, it stops; every database it
creates, it drops."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvloop

from bench import (
    broker_baseline,
    freshness,
    live,
    projection,
    query,
    querydata,
    rebuild,
    relay,
    write_path,
)
from bench.cache import cached_events
from bench.cluster import Cluster, Process, admin_token
from bench.config import Settings
from bench.dataset import Dataset, build
from bench.memory import RssSampler
from bench.profiling import Summary
from bench.results import Row, table, write_report
from services import SERVICE_NAMES

MiB = 2**20
# Issue 18: peak RSS per service process.
RSS_TARGET_MIB = 150
# Share of the sustained write rate that the freshness load asks for. The write
# rate was measured with stats stopped; during freshness stats shares the two
# cores, and an open loop at or above capacity only measures a growing queue.
FRESH_SHARE = 0.5


def annotate(rows: list[Row], note: str) -> list[Row]:
    if note:
        for row in rows:
            row.note = f"{row.note}; {note}" if row.note else note
    return rows


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Run:
    settings: Settings
    cluster: Cluster
    sampler: RssSampler = field(default_factory=RssSampler)
    rows: list[Row] = field(default_factory=list)
    profiles: dict[str, Any] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    token: str = field(default_factory=admin_token)
    dataset: Dataset | None = None
    stats: Process | None = None
    consume_rate: float = 0.0
    produce_rate: float = 0.0
    write_rate: float = 0.0
    published_elsewhere: int = 0  # activity events the SQLite write path published

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        say(f"{name} ...")
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = round(time.perf_counter() - started, 1)
            say(f"{name}: {self.phases[name]} s")

    def profiled(self, name: str, summary: Summary | None) -> None:
        if summary is not None:
            self.profiles[name] = summary.as_json()
            print(summary.render(name), file=sys.stderr)

    def memory_rows(self) -> list[Row]:
        """A row per process; the issue's target applies to the services' processes, not to
        the broker or the baselines' servers."""
        rows = []
        for name, rss in sorted(self.sampler.peaks.items()):
            service = name.split("-")[0] in SERVICE_NAMES
            rows.append(
                Row(
                    f"peak RSS {name}",
                    rss / MiB,
                    "MiB",
                    target=f"≤ {RSS_TARGET_MIB} MiB" if service else "",
                    met=rss / MiB <= RSS_TARGET_MIB if service else None,
                    note="psutil, every 0.2 s",
                )
            )
        return rows


async def _events_side(run: Run, client: httpx.AsyncClient, selected: list[str]) -> None:
    settings, cluster = run.settings, run.cluster
    with run.phase("dataset"):
        run.dataset = dataset = cached_events(settings.events, settings.communities)
    with run.phase("broker baseline"):
        rows, run.produce_rate, run.consume_rate = await broker_baseline.run(
            cluster.bootstrap, dataset.messages
        )
        run.rows += rows
    if "projection" not in selected:
        return
    with run.phase("projection"):
        rows, run.stats, summary = await projection.run(
            cluster,
            client,
            dataset.expected,
            run.consume_rate,
            run.sampler,
            run.cluster.logs.parent / "profiles" if settings.profile else None,
            settings.timeout,
        )
        run.rows += annotate(rows, settings.shrunk("events"))
        run.profiled("stats-projection", summary)
    # Out of the way of the other measurements; it comes back for freshness.
    cluster.stop("stats")
    run.stats = None


async def _rebuild_and_sqlite(run: Run, client: httpx.AsyncClient, selected: list[str]) -> None:
    settings, cluster = run.settings, run.cluster
    if "rebuild" in selected:
        with run.phase("rebuild"):
            load = rebuild.RebuildLoad(
                settings.rebuild_events, settings.rebuild_replicas, settings.rebuild_timeout
            )
            rows = await rebuild.run(cluster, client, load, run.sampler)
            run.rows += annotate(rows, settings.shrunk("rebuild_events"))
    if "sqlite" in selected:
        with run.phase("projection, SQLite"):
            run.rows += await projection.run_sqlite(
                cluster,
                client,
                settings.sqlite_events,
                run.consume_rate,
                run.dataset.expected.events if run.dataset else 0,
                run.sampler,
                settings.timeout,
            )


async def _write_side(run: Run, client: httpx.AsyncClient, selected: list[str]) -> None:
    settings, cluster = run.settings, run.cluster
    with run.phase("live system"):
        registry = cluster.start("registry")
        activities = cluster.start("activities")
        for process in (registry, activities):
            run.sampler.watch(process.name, process.pid)
            await cluster.wait_ready(process)
        world = await live.create_world(client, registry, communities=5, volunteers=8)
        if run.dataset is not None:
            await live.wait_replica(cluster, live.replica_events(run.dataset), settings.timeout)
        await live.wait_known(client, activities, world, settings.timeout)
    if "write" in selected:
        with run.phase("write path"):
            outcome = await write_path.run(
                cluster,
                client,
                activities,
                world,
                run.token,
                write_path.WriteLoad(settings.write_seconds, settings.concurrency),
                run.sampler,
                cluster.logs.parent / "profiles" if settings.profile else None,
                settings.timeout,
            )
            run.rows += outcome.rows
            run.write_rate, run.published_elsewhere = outcome.rate, outcome.published_elsewhere
            run.profiled("activities-write", outcome.profile)
    if "relay" in selected:
        with run.phase("outbox relay"):
            source = run.dataset.world if run.dataset else build(100, communities=2).world
            run.rows += await relay.run(
                cluster, source, settings.relay_rows, run.produce_rate or 0.0, settings.timeout
            )
    if "freshness" in selected:
        with run.phase("freshness"):
            stats = cluster.start("stats")
            run.sampler.watch("stats", stats.pid)
            await cluster.wait_ready(stats)
            base = run.dataset.expected if run.dataset else None
            await freshness.catch_up(
                cluster, client, stats, base, settings.timeout, also=run.published_elsewhere
            )
            rate, why = settings.fresh_rate, "asked rate"
            if run.write_rate and FRESH_SHARE * run.write_rate < rate:
                rate, why = FRESH_SHARE * run.write_rate, "50% of the sustained write rate"
            load = freshness.FreshLoad(rate, settings.fresh_seconds, settings.fresh_samples, why)
            rows = await freshness.run(cluster, activities, stats, world, run.token, load)
            run.rows += annotate(rows, settings.shrunk("fresh_seconds"))
            if settings.fresh_high_rate > rate:
                # The other point: what 500 writes/s asked gets (no target).
                high = freshness.FreshLoad(
                    settings.fresh_high_rate,
                    settings.fresh_high_seconds,
                    round(
                        settings.fresh_samples
                        * settings.fresh_high_seconds
                        / settings.fresh_seconds
                    ),
                    "fixed rate",
                    targeted=False,
                )
                rows = await freshness.run(
                    cluster,
                    activities,
                    stats,
                    world,
                    run.token,
                    high,
                    f"freshness at {high.rate:.0f}/s",
                )
                run.rows += annotate(rows, "")
            cluster.stop("stats")


async def run_all(settings: Settings) -> dict[str, Any]:
    started = datetime.now(UTC)
    results = settings.output.parent
    cluster = Cluster(logs=results / "logs")
    run = Run(settings, cluster)
    selected = settings.selected
    run.sampler.start()
    say(f"running {', '.join(selected)}; logs in {cluster.logs}")
    try:
        with run.phase("setup"):
            cluster.start_broker()
            assert cluster.broker is not None
            run.sampler.watch("broker", cluster.broker.pid)
            await cluster.setup_databases()
        headers = {"Authorization": f"Bearer {run.token}"}
        async with httpx.AsyncClient(headers=headers, timeout=60) as client:
            if "broker" in selected:
                await _events_side(run, client, selected)
            await _rebuild_and_sqlite(run, client, selected)
            if {"write", "relay", "freshness"} & set(selected):
                await _write_side(run, client, selected)
        if "query" in selected:
            for activities in settings.query_activities:
                size = querydata.QuerySize(
                    activities, settings.query_repeats, settings.query_seconds
                )
                with run.phase(f"query {size.label}"):
                    run.rows += await query.run(cluster, size, run.sampler)
    finally:
        run.sampler.stop()
        with run.phase("teardown"):
            await cluster.close()
    run.rows += run.memory_rows()
    report = write_report(
        settings.output,
        run.rows,
        started=started,
        settings=settings.as_json(),
        profiles=run.profiles,
        phases=run.phases,
    )
    print(table(run.rows))
    print(f"\ntotal {report['duration_s']} s; report in {settings.output}")
    return report


def main(settings: Settings) -> dict[str, Any]:
    Path(settings.output).parent.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = uvloop.run(run_all(settings))
    return result
