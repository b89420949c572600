"""Write path: `POST /activities` under concurrent load, against a bare FastAPI echo.

Both servers run as `qise serve` runs a service (one uvicorn process, uvloop,
httptools, the access log through structlog), both get the same request
bodies from the same client at the same concurrency for the same time. The
activities side does everything a real write does: token check, validation,
reads of the replicated team and volunteers, the insert, the outbox row, the
commit (and its relay publishes the events meanwhile).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bench.cluster import Cluster, Process
from bench.live import LiveWorld, activity_requests
from bench.loadgen import LoadResult, closed_loop
from bench.memory import RssSampler
from bench.profiling import Profiler, Summary
from bench.results import Row, latency_summary
from shared.broker import free_port

TARGET_RATIO = 0.5
DISTINCT_BODIES = 256
WARM_UP_SECONDS = 2.0


@dataclass
class WriteLoad:
    seconds: float
    concurrency: int


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


async def echo_baseline(
    cluster: Cluster, world: LiveWorld, token: str, load: WriteLoad, sampler: RssSampler
) -> LoadResult:
    port = free_port()
    echo = cluster.start_command("echo", [sys.executable, "-m", "bench.echo", str(port)], port)
    sampler.watch("echo", echo.pid)
    try:
        await cluster.wait_healthy(echo)
        requests = activity_requests(world, token, DISTINCT_BODIES, path="/echo")
        return await _drive(echo, requests, load)
    finally:
        cluster.stop("echo")


def _describe(result: LoadResult) -> dict[str, object]:
    return {
        **{k: round(v, 2) for k, v in latency_summary(result.latencies).items()},
        "statuses": dict(result.statuses),
        "errors": result.errors,
        "seconds": round(result.seconds, 2),
    }


async def run(
    cluster: Cluster,
    activities: Process,
    world: LiveWorld,
    token: str,
    load: WriteLoad,
    sampler: RssSampler,
    profiles: Path | None,
) -> tuple[list[Row], float, Summary | None]:
    """The rows, and the write rate activities sustained."""
    echo = await echo_baseline(cluster, world, token, load, sampler)
    requests = activity_requests(world, token, DISTINCT_BODIES)
    profiler = Profiler("activities-write", activities.pid, profiles) if profiles else None
    if profiler is not None:
        profiler.start()
    written = await _drive(activities, requests, load)
    summary = profiler.stop() if profiler is not None else None
    ours, theirs = latency_summary(written.latencies), latency_summary(echo.latencies)
    note = f"{load.concurrency} clients, {load.seconds:.0f} s"
    failed = sum(n for status, n in written.statuses.items() if status != 201) + written.errors
    if failed:
        note += f", {failed} not 201"
    throughput = Row(
        "write path POST /activities",
        written.rate,
        "req/s",
        baseline=echo.rate,
        baseline_name="bare FastAPI echo",
        target=f"ratio ≥ {TARGET_RATIO}",
        note=note,
        extra={"activities": _describe(written), "echo": _describe(echo)},
    )
    throughput.met = (throughput.ratio or 0) >= TARGET_RATIO
    rows = [throughput] + [
        Row(
            f"write path latency {quantile}",
            ours[f"{quantile}_ms"],
            "ms",
            baseline=theirs[f"{quantile}_ms"],
            baseline_name="echo",
            note=note,
        )
        for quantile in ("p50", "p99")
    ]
    return rows, written.rate, summary
