"""Freshness: from the 201 of `POST /activities` to `/stats/overview` showing it.

Background writes go to the load communities at a fixed rate; meanwhile probe
writes go, one at a time, to a community of their own. After each probe's 201
its community's overview is polled back to back until its activity count goes
up: that delay is the freshness of the figures (outbox relay, broker, stats
consumer, commit, query).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass

import asyncpg
import httpx

from bench.cluster import Cluster, Process
from bench.dataset import Expected
from bench.live import LiveWorld, activity_body, activity_requests
from bench.loadgen import Connection, LoadResult, open_loop, request_bytes
from bench.projection import wait_applied
from bench.results import Row, latency_summary
from services.activities import events as activities_events
from services.registry import events as registry_events

TARGET_P95_MS = 250.0
PROBE_TIMEOUT = 10.0


@dataclass
class FreshLoad:
    rate: float
    seconds: float
    samples: int
    rate_note: str


async def _outbox_rows(cluster: Cluster, service: str, topic: str) -> int:
    connection = await asyncpg.connect(cluster.databases.dsn(service))
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM outbox WHERE topic = $1", topic
        )
        return count
    finally:
        await connection.close()


async def catch_up(
    cluster: Cluster,
    client: httpx.AsyncClient,
    stats: Process,
    preloaded: Expected | None,
    timeout: float,
    also: int = 0,
) -> float:
    """Until stats applied everything published so far (`also`: activity events
    published by another activities process); the seconds it took."""
    expected = {
        "registry": (preloaded.registry_events if preloaded else 0)
        + await _outbox_rows(cluster, "registry", registry_events.TOPIC),
        "activities": (preloaded.activity_events if preloaded else 0)
        + also
        + await _outbox_rows(cluster, "activities", activities_events.TOPIC),
    }
    caught_up = await wait_applied(client, stats, expected, timeout=timeout)
    if not caught_up.complete:
        raise RuntimeError(f"stats did not catch up with the live writes: {caught_up}")
    await wait_assigned(client, stats, timeout)
    return caught_up.seconds


async def wait_assigned(client: httpx.AsyncClient, stats: Process, timeout: float) -> None:
    """Until every consumer of stats owns its partitions: a consumer group still
    joining would add its join time to the first probes."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        lag = (await client.get(stats.url + "/stats/lag")).json()
        consumers = lag.get("consumers", [])
        if consumers and all(c["partitions"] for c in consumers):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("stats consumers got no partitions in time")


async def _count(connection: Connection, raw: bytes) -> int:
    response = await connection.send(raw)
    if response.status != 200:
        raise RuntimeError(f"overview answered {response.status}: {response.body[:200]!r}")
    document = response.json()
    assert isinstance(document, dict)
    return int(document["activities"])


async def _probes(
    activities: Process, stats: Process, world: LiveWorld, token: str, load: FreshLoad
) -> tuple[list[float], int]:
    headers = {"Authorization": f"Bearer {token}"}
    query = request_bytes(
        "GET", f"/stats/overview?scope=community&id={world.probe}", headers=headers
    )
    writer = Connection("127.0.0.1", activities.port)
    reader = Connection("127.0.0.1", stats.port)
    delays: list[float] = []
    timeouts = 0
    spacing = load.seconds / load.samples
    started = time.perf_counter()
    try:
        for number in range(load.samples):
            pause = started + number * spacing - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            if time.perf_counter() - started > load.seconds:
                break
            before = await _count(reader, query)
            body = activity_body(world, world.probe, 10_000 + number)
            response = await writer.send(
                request_bytes("POST", "/activities", body=body, headers=headers)
            )
            answered = time.perf_counter()
            if response.status != 201:
                raise RuntimeError(f"probe write answered {response.status}")
            while await _count(reader, query) <= before:
                if time.perf_counter() - answered > PROBE_TIMEOUT:
                    timeouts += 1
                    break
            else:
                delays.append(time.perf_counter() - answered)
    finally:
        await writer.close()
        await reader.close()
    return delays, timeouts


async def run(
    activities: Process, stats: Process, world: LiveWorld, token: str, load: FreshLoad
) -> list[Row]:
    requests = itertools.cycle(activity_requests(world, token, 256))
    background, (delays, timeouts) = await asyncio.gather(
        open_loop(
            "127.0.0.1",
            activities.port,
            lambda: next(requests),
            rate=load.rate,
            seconds=load.seconds,
            expect=201,
        ),
        _probes(activities, stats, world, token, load),
    )
    assert isinstance(background, LoadResult)
    summary = latency_summary(delays)
    achieved = (background.ok + len(delays)) / background.seconds
    note = (
        f"{load.rate_note}: {load.rate:.0f}/s asked, {achieved:.0f}/s done, "
        f"{load.seconds:.0f} s, {len(delays)} probes"
    )
    if timeouts:
        note += f", {timeouts} probes unseen after {PROBE_TIMEOUT:.0f} s"
    extra = {
        **{k: round(v, 2) for k, v in summary.items()},
        "asked_rate": load.rate,
        "achieved_rate": round(achieved, 1),
        "background": {
            "ok": background.ok,
            "statuses": dict(background.statuses),
            "skipped": background.skipped,
            "errors": background.errors,
            "write_p99_ms": round(latency_summary(background.latencies)["p99_ms"], 1),
        },
        "timeouts": timeouts,
    }
    return [
        Row("freshness p50", summary["p50_ms"], "ms", note=note, extra=extra),
        Row(
            "freshness p95",
            summary["p95_ms"],
            "ms",
            target=f"≤ {TARGET_P95_MS:.0f} ms",
            met=summary["p95_ms"] <= TARGET_P95_MS and not timeouts and bool(delays),
            note=note,
        ),
        Row("freshness p99", summary["p99_ms"], "ms", note=note),
    ]
