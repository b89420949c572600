"""Rebuild of 1,000,000 events, really run, on every stats replica.

The events (a tenth registry, the rest activities; 200 communities at 1M, so that
the three partitions of a topic hold about as much each) are made once and cached
in `bench/results/cache/`. A broker of its own is pre-loaded with them, and the raw
aiokafka consume of these very events is the baseline. Three stats replicas share
one database and one consumer group id, each on its own port. So that they do not
project the events when they start (that would be a catch-up, not a rebuild),
their current consumer groups are first given the topics' end offsets: they join
with nothing to read. Then `POST /admin/rebuild` on one replica; the clock runs
until the rebuild has switched: `GET /admin/rebuild` answering `active == n` and
`building: null` (the group rebuild), or, where that route is absent (a rebuild
of the answering replica only), until `/stats/lag` counts every event applied.
The overview must then show exactly the figures worked out when the events were
made. Each replica's peak RSS is in the memory rows (`stats-rebuild-<n>`).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from bench import broker_baseline
from bench.cache import cached_events, communities_for, say
from bench.cluster import Cluster, Process
from bench.memory import RssSampler
from bench.projection import applied, expected_counts, figures_match, overview, wait_applied
from bench.results import Row
from services.stats.handlers import subscriptions
from services.stats.settings import StatsSettings

TARGET_RATIO = 0.20


@dataclass
class RebuildLoad:
    events: int
    replicas: int
    timeout: float


async def _switched(
    client: httpx.AsyncClient, stats: Process, generation: int, expected: dict[str, int]
) -> tuple[bool, str]:
    """Whether the rebuild to `generation` is done, and how that was told."""
    response = await client.get(stats.url + "/admin/rebuild")
    if response.status_code == 200:
        state: dict[str, Any] = response.json()
        return state.get("active") == generation and state.get("building") is None, "group"
    counts = await applied(client, stats)
    return all(counts.get(name, 0) >= n for name, n in expected.items()), "lag"


async def _wait_quiet(client: httpx.AsyncClient, replicas: list[Process]) -> int:
    """Events the replicas applied on their own since they started (0 when the offsets
    given to their groups held)."""
    await asyncio.sleep(2.0)
    return sum((await applied(client, replicas[0])).values())


async def run(
    cluster: Cluster,
    client: httpx.AsyncClient,
    load: RebuildLoad,
    sampler: RssSampler,
) -> list[Row]:
    dataset = cached_events(load.events, communities_for(load.events))
    expected = dataset.expected
    messages = dataset.messages
    say(f"rebuild: pre-loading {len(messages):,} events in a broker of its own")
    preloaded = await broker_baseline.preloaded_broker(cluster.logs, "broker-rebuild", messages)
    sampler.watch("broker-rebuild", preloaded.process.pid)
    replicas: list[Process] = []
    try:
        raw = await broker_baseline.consume(
            preloaded.bootstrap, broker_baseline.TOPICS, len(messages)
        )
        url = await cluster.databases.create("rebuild", "stats")
        # A fresh database is generation 1; its groups start where the topics end.
        # Each group only on its own topics: a group with offsets on a topic it does not
        # read would hold a group rebuild's switch back (its new group never gets there).
        settings = StatsSettings()
        for subscription in subscriptions(settings):
            ends = {
                tp: end
                for tp, end in preloaded.produced.ends.items()
                if tp.topic in subscription.topics
            }
            if ends:
                await broker_baseline.commit_offsets(
                    preloaded.bootstrap, f"{settings.group_id}-g1-{subscription.name}", ends
                )
        for number in range(1, load.replicas + 1):
            process = cluster.start(
                "stats",
                name=f"stats-rebuild-{number}",
                STATS_DATABASE_URL=url,
                KAFKA_BOOTSTRAP_SERVERS=preloaded.bootstrap,
            )
            replicas.append(process)
            sampler.watch(process.name, process.pid)
        for process in replicas:
            await cluster.wait_ready(process)
        early = await _wait_quiet(client, replicas)
        if early:
            say(f"rebuild: the replicas applied {early:,} events on start; waiting for them")
            await wait_applied(client, replicas[0], expected_counts(expected), timeout=load.timeout)
        started = time.perf_counter()
        response = await client.post(replicas[0].url + "/admin/rebuild")
        response.raise_for_status()
        generation = int(response.json()["generation"])
        complete, how = await _wait_until(
            client, replicas[0], generation, expected_counts(expected), load.timeout
        )
        seconds = time.perf_counter() - started
        shown = await overview(client, replicas[0])
        exact = figures_match(shown, expected)
        done = expected.events if complete else sum((await applied(client, replicas[0])).values())
    finally:
        for process in replicas:
            cluster.stop(process.name)
        preloaded.stop()
    rate = done / seconds
    note = (
        f"{expected.events:,} events, measured; {load.replicas} replicas"
        f" ({'group rebuild' if how == 'group' else 'one replica rebuilds: no group route'});"
        f" baseline on the same events"
    )
    if not complete:
        note += f", INCOMPLETE: {done:,} applied after {seconds:.0f} s"
    if not exact:
        note += ", FIGURES DIFFER"
    row = Row(
        f"rebuild of {expected.events:,} events",
        rate,
        "events/s",
        baseline=raw.rate,
        baseline_name="raw consume",
        target=f"ratio ≥ {TARGET_RATIO:.2f}",
        note=note,
        extra={
            "events": expected.events,
            "seconds": round(seconds, 2),
            "replicas": load.replicas,
            "done_by": how,
            "figures_exact": exact,
            "complete": complete,
            "applied_before_rebuild": early,
            "expected": expected.figures(),
            "shown": {k: shown.get(k) for k in expected.figures()},
            "baseline_group_join_s": round(raw.join_seconds, 2),
            "produce_s": round(preloaded.produced.seconds, 2),
        },
    )
    row.met = complete and exact and (row.ratio or 0) >= TARGET_RATIO
    return [row, Row(f"rebuild of {expected.events:,} events, time", seconds, "s", note=note)]


async def _wait_until(
    client: httpx.AsyncClient,
    stats: Process,
    generation: int,
    expected: dict[str, int],
    timeout: float,
) -> tuple[bool, str]:
    deadline = time.perf_counter() + timeout
    how = "lag"
    while time.perf_counter() < deadline:
        try:
            done, how = await _switched(client, stats, generation, expected)
        except httpx.HTTPError:
            done = False
        if done:
            return True, how
        await asyncio.sleep(0.5)
    return False, how
