"""Write path: `POST /activities` under concurrent load, against two baselines.

- a bare FastAPI echo (`bench.echo`): the framework's floor;
- a bare FastAPI endpoint doing one `INSERT` and commit through the services'
  engine, pool and session factory (`bench.insert`): the framework's and the
  database's floor for a write.

Every server runs as `qise serve` runs a service (one uvicorn process, uvloop,
httptools, the access log through structlog), every one gets the same request
bodies from the same client at the same concurrency for the same time. The
activities side does everything a real write does: token check, validation,
reads of the replicated team and volunteers, the insert, the outbox row, the
commit (and its relay publishes the events meanwhile).

The same is measured on the embedded default, SQLite (as `make run` runs):
an activities process of its own on a SQLite file, replicating the registry
through a consumer group of its own, against the insert endpoint on a SQLite file.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.cluster import Cluster, Process
from bench.live import LiveWorld, activity_requests, wait_known
from bench.loadgen import LoadResult, closed_loop
from bench.memory import RssSampler
from bench.profiling import Profiler, Summary
from bench.results import Row, at_least, at_most, latency_summary
from services.activities import app as activities_app
from shared.broker import free_port
from shared.migrate import upgrade

# The targets: against the one-row-insert endpoint, against the echo, and p99.
TARGET_VS_INSERT = 0.6
TARGET_VS_ECHO = 0.15
TARGET_P99_MS = 50.0
DISTINCT_BODIES = 256
WARM_UP_SECONDS = 2.0


@dataclass
class WriteLoad:
    seconds: float
    concurrency: int


@dataclass
class WriteOutcome:
    rows: list[Row]
    rate: float  # the write rate activities (PostgreSQL) sustained
    profile: Summary | None
    # Events the SQLite activities process published to the activities topic: a
    # projection reading the topic later sees them beside the PostgreSQL ones.
    published_elsewhere: int = 0
    results: dict[str, LoadResult] = field(default_factory=dict)


async def _drive(process: Process, requests: list[bytes], load: WriteLoad) -> LoadResult:
    port = process.port
    await closed_loop(
        "127.0.0.1",
        port,
        requests,
        concurrency=load.concurrency,
        seconds=WARM_UP_SECONDS,
        expect=201,
    )
    return await closed_loop(
        "127.0.0.1", port, requests, concurrency=load.concurrency, seconds=load.seconds, expect=201
    )


async def _baseline(
    cluster: Cluster,
    name: str,
    command: list[str],
    requests: list[bytes],
    load: WriteLoad,
    sampler: RssSampler,
) -> LoadResult:
    """Start a baseline server (`python -m <module> PORT <arguments…>`), load it, stop it."""
    port = free_port()
    module, *arguments = command
    server = cluster.start_command(
        name, [sys.executable, "-m", module, str(port), *arguments], port
    )
    sampler.watch(name, server.pid)
    try:
        await cluster.wait_healthy(server)
        return await _drive(server, requests, load)
    finally:
        cluster.stop(name)


async def _sqlite_activities(
    cluster: Cluster, client: httpx.AsyncClient, world: LiveWorld, url: str, timeout: float
) -> Process:
    """Activities on a SQLite file, with the production defaults otherwise."""
    module = activities_app
    await asyncio.to_thread(upgrade, url, module.MIGRATIONS, module.METADATA)
    process = cluster.start(
        "activities",
        name="activities-sqlite",
        ACTIVITIES_DATABASE_URL=url,
        # Its own replica of the registry: not a member of the PostgreSQL process's group.
        ACTIVITIES_CONSUMER_GROUP="qise-bench-sqlite-activities",
    )
    await cluster.wait_ready(process)
    await wait_known(client, process, world, timeout)
    return process


async def _drained(client: httpx.AsyncClient, process: Process, timeout: float) -> int:
    """Until the process's relay published its whole outbox; how many events it holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        status = (await client.get(process.url + "/admin/outbox")).json()
        if status["unpublished"] == 0:
            return int(status["events"])
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"{process.name}: {status['unpublished']} events not published")
        await asyncio.sleep(0.2)


def _describe(result: LoadResult) -> dict[str, object]:
    return {
        **{k: round(v, 2) for k, v in latency_summary(result.latencies).items()},
        "statuses": dict(result.statuses),
        "errors": result.errors,
        "seconds": round(result.seconds, 2),
    }


def _note(load: WriteLoad, result: LoadResult) -> str:
    note = f"{load.concurrency} clients, {load.seconds:.0f} s"
    failed = sum(n for status, n in result.statuses.items() if status != 201) + result.errors
    if failed:
        note += f", {failed} not 201"
    return note


def write_rows(
    database: str,
    written: LoadResult,
    insert: LoadResult,
    echo: LoadResult,
    load: WriteLoad,
) -> list[Row]:
    """Throughput against the insert endpoint and against the echo, then p50 and p99."""
    suffix = "" if database == "PostgreSQL" else f", {database}"
    note = _note(load, written)
    ours, floor = latency_summary(written.latencies), latency_summary(insert.latencies)
    extra = {"activities": _describe(written), "insert": _describe(insert), "echo": _describe(echo)}
    rows = [
        Row(
            f"write path POST /activities{suffix}",
            written.rate,
            "req/s",
            baseline=insert.rate,
            baseline_name=f"one-row INSERT endpoint{suffix}",
            target=f"ratio ≥ {TARGET_VS_INSERT}",
            note=note,
            extra=extra,
        ),
        Row(
            f"write path POST /activities vs echo{suffix}",
            written.rate,
            "req/s",
            baseline=echo.rate,
            baseline_name="bare FastAPI echo",
            target=f"ratio ≥ {TARGET_VS_ECHO}",
            note=note,
        ),
        Row(
            f"write path latency p50{suffix}",
            ours["p50_ms"],
            "ms",
            baseline=floor["p50_ms"],
            baseline_name="insert endpoint",
            note=note,
        ),
        Row(
            f"write path latency p99{suffix}",
            ours["p99_ms"],
            "ms",
            baseline=floor["p99_ms"],
            baseline_name="insert endpoint",
            target=f"≤ {TARGET_P99_MS:.0f} ms",
            note=note,
        ),
        Row(
            f"write path one-row INSERT endpoint{suffix}",
            insert.rate,
            "req/s",
            baseline=echo.rate,
            baseline_name="bare FastAPI echo",
            note=_note(load, insert),
        ),
    ]
    for row in rows[:2]:
        row.met = at_least(row.ratio or 0.0, TARGET_VS_INSERT if row is rows[0] else TARGET_VS_ECHO)
    rows[3].met = at_most(rows[3].value, TARGET_P99_MS) and written.ok > 0
    return rows


async def run(
    cluster: Cluster,
    client: httpx.AsyncClient,
    activities: Process,
    world: LiveWorld,
    token: str,
    load: WriteLoad,
    sampler: RssSampler,
    profiles: Path | None,
    timeout: float,
) -> WriteOutcome:
    """The rows for PostgreSQL and SQLite, and the write rate activities sustained."""
    bodies = activity_requests(world, token, DISTINCT_BODIES, path="/echo")
    inserts = activity_requests(world, token, DISTINCT_BODIES, path="/insert")
    echo = await _baseline(cluster, "echo", ["bench.echo"], bodies, load, sampler)
    insert_url = cluster.databases.url("activities")
    insert = await _baseline(
        cluster, "insert", ["bench.insert", insert_url], inserts, load, sampler
    )
    requests = activity_requests(world, token, DISTINCT_BODIES)
    profiler = Profiler("activities-write", activities.pid, profiles) if profiles else None
    if profiler is not None:
        profiler.start()
    written = await _drive(activities, requests, load)
    summary = profiler.stop() if profiler is not None else None
    rows = write_rows("PostgreSQL", written, insert, echo, load)

    # The embedded default: both sides on SQLite files of their own.
    files = cluster.logs.parent / "sqlite"
    files.mkdir(parents=True, exist_ok=True)
    for stale in files.glob("*.db*"):
        stale.unlink()
    lite_insert = await _baseline(
        cluster,
        "insert-sqlite",
        ["bench.insert", f"sqlite+aiosqlite:///{files / 'insert.db'}"],
        inserts,
        load,
        sampler,
    )
    lite = await _sqlite_activities(
        cluster, client, world, f"sqlite+aiosqlite:///{files / 'activities.db'}", timeout
    )
    sampler.watch(lite.name, lite.pid)
    try:
        lite_written = await _drive(lite, requests, load)
        published = await _drained(client, lite, timeout)
    finally:
        cluster.stop(lite.name)
    rows += write_rows("SQLite", lite_written, lite_insert, echo, load)
    results = {
        "echo": echo,
        "insert": insert,
        "activities": written,
        "insert-sqlite": lite_insert,
        "activities-sqlite": lite_written,
    }
    return WriteOutcome(rows, written.rate, summary, published, results)
