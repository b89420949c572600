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
import orjson

from bench.cluster import Cluster, Process
from bench.dataset import Expected
from bench.live import LiveWorld, activity_body, activity_requests
from bench.loadgen import Connection, LoadResult, open_loop, request_bytes
from bench.projection import wait_applied
from bench.results import Row, at_most, latency_summary
from services.activities import events as activities_events
from services.registry import events as registry_events

TARGET_P95_MS = 150.0
TARGET_P99_MS = 250.0
PROBE_TIMEOUT = 10.0
POLL_PAUSE = 0.005


@dataclass
class FreshLoad:
    rate: float
    seconds: float
    samples: int
    rate_note: str
    targeted: bool = True  # the targets hold at this rate (50 % of sustained)


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


@dataclass
class Probe:
    """One probe write: its activity, when its 201 came and when the overview showed it
    (wall clock, comparable with the databases' timestamps)."""

    activity_id: str
    answered: float
    seen: float | None = None


async def _probes(
    activities: Process, stats: Process, world: LiveWorld, token: str, load: FreshLoad
) -> list[Probe]:
    headers = {"Authorization": f"Bearer {token}"}
    query = request_bytes(
        "GET", f"/stats/overview?scope=community&id={world.probe}", headers=headers
    )
    writer = Connection("127.0.0.1", activities.port)
    reader = Connection("127.0.0.1", stats.port)
    probes: list[Probe] = []
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
            answered = time.time()
            if response.status != 201:
                raise RuntimeError(f"probe write answered {response.status}")
            document = response.json()
            assert isinstance(document, dict)
            probe = Probe(str(document["id"]), answered)
            probes.append(probe)
            while await _count(reader, query) <= before:
                if time.time() - answered > PROBE_TIMEOUT:
                    break
                # Not back to back: stats answers on the event loop its consumers run on,
                # and a poll in a tight loop would slow the very apply it waits for.
                await asyncio.sleep(POLL_PAUSE)
            else:
                probe.seen = time.time()
    finally:
        await writer.close()
        await reader.close()
    return probes


# Where a probe's delay goes, from the timestamp the activities service writes anyway:
# the outbox row's `published_at` (the relay marks it once the broker acknowledged).
# Stats keeps no per-event timestamp (its consumers dedupe by version and claim no
# ids), so what follows publication is one leg: broker, fetch wait, apply, commit and
# the overview's answer.
LEGS = (
    ("201 -> relay marked it published", "published"),
    ("published -> overview shows it (broker, fetch, apply, commit, query)", "seen"),
)


async def legs(cluster: Cluster, world: LiveWorld, probes: list[Probe]) -> dict[str, list[float]]:
    """Each leg's durations in seconds, for the probes whose timestamps were all found."""
    activities = await asyncpg.connect(cluster.databases.dsn("activities"))
    try:
        rows = await activities.fetch(
            "SELECT payload, published_at FROM outbox WHERE key = $1 AND topic = $2",
            world.probe,
            activities_events.TOPIC,
        )
    finally:
        await activities.close()
    events = {orjson.loads(r["payload"])["subject"]: r for r in rows}
    found: dict[str, list[float]] = {name: [] for name, _ in LEGS}
    for probe in probes:
        event = events.get(probe.activity_id)
        if probe.seen is None or event is None or event["published_at"] is None:
            continue
        marks = [probe.answered, event["published_at"].timestamp(), probe.seen]
        for (name, _), start, end in zip(LEGS, marks, marks[1:], strict=False):
            found[name].append(end - start)
    return found


async def run(
    cluster: Cluster,
    activities: Process,
    stats: Process,
    world: LiveWorld,
    token: str,
    load: FreshLoad,
    label: str = "freshness",
) -> list[Row]:
    requests = itertools.cycle(activity_requests(world, token, 256))
    background, probes = await asyncio.gather(
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
    delays = [p.seen - p.answered for p in probes if p.seen is not None]
    timeouts = len(probes) - len(delays)
    split = await legs(cluster, world, probes)
    summary = latency_summary(delays)
    # Probes are writes too: the rate done counts them with the background.
    achieved = (background.ok + len(probes)) / background.seconds
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
        "legs_ms": {
            name: {k: round(v, 1) for k, v in latency_summary(values).items()}
            for name, values in split.items()
        },
    }
    seen = not timeouts and bool(delays)
    rows = [
        Row(f"{label} p50", summary["p50_ms"], "ms", note=note, extra=extra),
        Row(f"{label} p95", summary["p95_ms"], "ms", note=note),
        Row(f"{label} p99", summary["p99_ms"], "ms", note=note),
    ]
    if load.targeted:
        for row, target in ((rows[1], TARGET_P95_MS), (rows[2], TARGET_P99_MS)):
            row.target = f"≤ {target:.0f} ms"
            row.met = at_most(row.value, target) and seen
    for name, values in split.items():
        leg = latency_summary(values)
        rows.append(
            Row(
                f"{label} leg {name}",
                leg["p50_ms"],
                "ms",
                note=f"p50; p95 {leg['p95_ms']:.0f} ms, p99 {leg['p99_ms']:.0f} ms,"
                f" {len(values)} probes",
            )
        )
    return rows
