"""Rebuild: `POST /admin/rebuild` empties the projections and reads the topics again.

The topics hold the projection benchmark's events; the clock runs from the
request until every event is applied again. When they are fewer than the
1M events of the target, the time for 1M is extrapolated from the measured
rate, and the row says so.
"""

from __future__ import annotations

import time

import httpx

from bench.cluster import Process
from bench.dataset import Expected
from bench.projection import expected_counts, figures_match, overview, wait_applied
from bench.results import Row

TARGET_EVENTS = 1_000_000
TARGET_SECONDS = 60.0


async def run(
    client: httpx.AsyncClient, stats: Process, expected: Expected, timeout: float
) -> list[Row]:
    started = time.perf_counter()
    response = await client.post(stats.url + "/admin/rebuild")
    response.raise_for_status()
    caught_up = await wait_applied(client, stats, expected_counts(expected), timeout=timeout)
    seconds = time.perf_counter() - started
    exact = figures_match(await overview(client, stats), expected)
    rate = caught_up.applied / seconds
    measured = expected.events
    if measured >= TARGET_EVENTS:
        value, note = seconds, f"{measured:,} events, measured"
    else:
        value = TARGET_EVENTS / rate
        note = f"EXTRAPOLATED from {measured:,} events in {seconds:.1f} s"
    if not caught_up.complete:
        note += ", INCOMPLETE"
    if not exact:
        note += ", FIGURES DIFFER"
    return [
        Row(
            f"rebuild from {TARGET_EVENTS:,} events",
            value,
            "s",
            target=f"≤ {TARGET_SECONDS:.0f} s",
            met=caught_up.complete and exact and value <= TARGET_SECONDS,
            note=note,
            extra={
                "events": measured,
                "seconds": round(seconds, 2),
                "rate": round(rate, 1),
                "figures_exact": exact,
            },
        )
    ]
