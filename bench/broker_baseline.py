"""Broker baseline: raw aiokafka produce and consume of the very messages the
projection benchmark applies (so the ratios compare like with like).

The producer has the services' own settings (`shared.kafka.create_producer`:
acks=all, linger 5 ms, no idempotence); the consumer reads as the services'
consumer does (500 records a poll) but applies nothing and commits nothing.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.dataset import Message
from bench.results import Row
from services.activities import events as activities
from services.registry import events as registry
from services.requests import events as requests
from shared.broker import free_port, start_embedded_broker, stop_process
from shared.consumer import parse_message
from shared.events import EventCatalog
from shared.kafka import create_producer, dlq_topic, ensure_topics

TOPICS = [registry.TOPIC, activities.TOPIC, requests.TOPIC]
CATALOGS: dict[str, EventCatalog] = {
    registry.TOPIC: registry.CATALOG,
    activities.TOPIC: activities.CATALOG,
    requests.TOPIC: requests.CATALOG,
}


async def create_topics(bootstrap: str, extra: Sequence[str] = ()) -> None:
    """The services' topics (3 partitions each, as the services create them)."""
    names = [*TOPICS, *extra]
    await ensure_topics(bootstrap, sorted({*names, *(dlq_topic(t) for t in names)}))


@dataclass
class Produced:
    """Seconds until every message was acknowledged, and each partition's end offset."""

    seconds: float
    ends: dict[TopicPartition, int] = field(default_factory=dict)


async def produce(bootstrap: str, messages: Sequence[Message]) -> Produced:
    """Send every message, keyed as the relay keys it; seconds until all are acknowledged."""
    producer = create_producer(bootstrap, "bench-produce")
    await producer.start()
    produced = Produced(0.0)

    def note(results: Sequence[Any]) -> None:
        for sent in results:
            tp = TopicPartition(sent.topic, sent.partition)
            produced.ends[tp] = max(produced.ends.get(tp, 0), sent.offset + 1)

    try:
        started = time.perf_counter()
        pending: list[asyncio.Future[Any]] = []
        for message in messages:
            pending.append(await producer.send(message.topic, value=message.value, key=message.key))
            if len(pending) >= 5000:
                note(await asyncio.gather(*pending))
                pending.clear()
        note(await asyncio.gather(*pending))
        produced.seconds = time.perf_counter() - started
        return produced
    finally:
        await producer.stop()


async def commit_offsets(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Record `offsets` as consumer group `group`'s position, as if it had read that far:
    a service that joins the group later starts there, not at the beginning."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(dict(offsets))
    finally:
        await consumer.stop()


@dataclass
class Preloaded:
    """A broker of its own holding `messages`, for a benchmark that needs other events."""

    process: subprocess.Popen[bytes]
    bootstrap: str
    produced: Produced

    def stop(self) -> None:
        stop_process(self.process)


async def preloaded_broker(logs: Path, name: str, messages: Sequence[Message]) -> Preloaded:
    port = free_port()
    process = start_embedded_broker(port, log_file=logs / f"{name}.log")
    bootstrap = f"127.0.0.1:{port}"
    try:
        await create_topics(bootstrap)
        return Preloaded(process, bootstrap, await produce(bootstrap, messages))
    except BaseException:
        stop_process(process)
        raise


@dataclass(frozen=True)
class Consumed:
    """A read of the topics: time to join the group, then time to read every message."""

    count: int
    join_seconds: float
    read_seconds: float

    @property
    def rate(self) -> float:
        """Messages per second once the first batch arrived (the group join left out)."""
        return self.count / self.read_seconds if self.read_seconds > 0 else 0.0


async def consume(
    bootstrap: str, topics: Sequence[str], count: int, *, parse: bool = False
) -> Consumed:
    """Read `count` messages from the start of `topics` in a new consumer group.

    End offsets are not trusted (the embedded broker under-reports them): the
    benchmark knows how many messages it sent.
    """
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"bench-consume-{uuid.uuid4().hex[:8]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
        metadata_max_age_ms=5000,
    )
    started = time.perf_counter()
    await consumer.start()
    try:
        seen = 0
        first: float | None = None
        deadline = started + max(60.0, count / 500)
        while seen < count:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for records in batches.values():
                if first is None:
                    first = time.perf_counter()
                seen += len(records)
                if parse:
                    for record in records:
                        parse_message(CATALOGS[record.topic], record.value)
            if time.perf_counter() > deadline:
                raise RuntimeError(f"consumed {seen} of {count} messages before the deadline")
        finished = time.perf_counter()
        assert first is not None
        return Consumed(count, first - started, finished - first)
    finally:
        await consumer.stop()


async def run(bootstrap: str, messages: Sequence[Message]) -> tuple[list[Row], float, float]:
    """Produce the messages (this also pre-loads the topics), then read them back twice.

    Returns the rows, the produce rate and the raw consume rate. Consume rates
    leave out the consumer group join (about 5 s on the embedded broker, see
    `extra`), as the projection rate does: both are steady-state rates.
    """
    await create_topics(bootstrap)
    count = len(messages)
    produce_rate = count / (await produce(bootstrap, messages)).seconds
    raw = await consume(bootstrap, TOPICS, count)
    parsed = await consume(bootstrap, TOPICS, count, parse=True)
    note = f"{count:,} CloudEvents, ~{sum(len(m.value) for m in messages) // count} B each"
    rows = [
        Row("broker produce, raw aiokafka", produce_rate, "msg/s", note=note),
        Row(
            "broker consume, raw aiokafka",
            raw.rate,
            "msg/s",
            note=note,
            extra={"group_join_s": round(raw.join_seconds, 2)},
        ),
        Row(
            "consume + parse envelopes, no database",
            parsed.rate,
            "msg/s",
            baseline=raw.rate,
            baseline_name="raw consume",
            note="diagnostic: parse_message, envelope and data in one pass",
            extra={"group_join_s": round(parsed.join_seconds, 2)},
        ),
    ]
    return rows, produce_rate, raw.rate
