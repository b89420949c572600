"""Outbox relay: how fast a service publishes a pre-filled outbox.

Rows with real activity events are copied straight into the activities
service's outbox in one transaction; its relay (running in the activities
process, default settings) publishes them. The clock runs from the commit until
no row is left unpublished. The rows go to a topic of their own, so no
consumer of the real topics sees them.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import orjson

from bench.broker_baseline import create_topics
from bench.cluster import Cluster
from bench.dataset import CST, World, activity_messages
from bench.results import Row

TOPIC = "qise.bench.relay"
COLUMNS = ["event_id", "topic", "key", "event_type", "payload", "created_at"]


async def run(
    cluster: Cluster, world: World, rows: int, produce_rate: float, timeout: float
) -> list[Row]:
    await create_topics(cluster.bootstrap, [TOPIC])
    messages, _ = activity_messages(world, rows, random.Random(11), datetime.now(CST).date())
    now = datetime.now(UTC)
    records = []
    for message in messages:
        event_id = uuid.UUID(orjson.loads(message.value)["id"])
        records.append(
            (event_id, TOPIC, message.key.decode(), message.type, message.value.decode(), now)
        )
    connection = await asyncpg.connect(cluster.databases.dsn("activities"))
    try:
        async with connection.transaction():
            await connection.copy_records_to_table("outbox", records=records, columns=COLUMNS)
        started = time.perf_counter()
        while True:
            waiting = await connection.fetchval(
                "SELECT count(*) FROM outbox WHERE published_at IS NULL AND topic = $1", TOPIC
            )
            elapsed = time.perf_counter() - started
            if waiting == 0 or elapsed > timeout:
                break
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
    published = rows - waiting
    note = f"{rows:,} rows pre-filled"
    if waiting:
        note += f", {waiting:,} left after {elapsed:.0f} s"
    return [
        Row(
            "outbox relay publish",
            published / elapsed,
            "events/s",
            baseline=produce_rate,
            baseline_name="raw produce",
            note=note,
            extra={"seconds": round(elapsed, 2), "published": published},
        )
    ]
