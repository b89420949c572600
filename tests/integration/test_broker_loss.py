"""A broker that comes back empty: the relays publish again, the consumers read from the start.

The embedded broker keeps its log in memory. After a restart the publishers send
their whole outbox again, in their own order, and an offset a consumer committed
from the old log can still land in the new one. Offsets from the old log mean
nothing there: trusted, they skip events never applied.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from services.registry import events as registry
from shared.consumer import EventConsumer
from shared.events import CloudEvent, Event, new_event
from shared.kafka import ClusterId, create_producer
from shared.outbox import Outbox, OutboxRelay
from shared.tables import processed_events
from tests.conftest import Stack, eventually
from tests.infra import Broker

GROUP = "qise-test-broker-loss"


async def apply_nothing(session: AsyncSession, events: list[Event[Any]]) -> None:
    """Claiming the ids is all this consumer does: they are what the test counts."""


async def publish(bootstrap: str, topic: str, events: list[CloudEvent]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(topic, event.to_json(), partition=0)
    finally:
        await producer.stop()


async def commit(bootstrap: str, partition: TopicPartition, offset: int) -> None:
    """An offset committed into the new broker from a position in the old log."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([partition])
        await consumer.commit({partition: offset})
    finally:
        await consumer.stop()


async def test_a_consumer_reads_a_broker_that_came_back_empty_from_the_start(
    stack: Stack, own_broker: Broker
) -> None:
    broker = own_broker
    url = await stack.database("stats_broker_loss")
    engine = create_async_engine(url)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    topic = f"qise.test.broker-loss.{uuid.uuid4().hex[:8]}"
    partition = TopicPartition(topic, 0)
    events = [
        new_event(
            registry.CommunityCreated(community_id=f"c{i}", name=f"社区{i}"),
            source="/test",
            community=f"c{i}",
            subject=f"communities/c{i}",
        )
        for i in range(20)
    ]
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)

    def consumer() -> EventConsumer:
        return EventConsumer(
            service="test",
            name="broker-loss",
            topics=[topic],
            types=frozenset({registry.CommunityCreated.event_type}),
            apply=apply_nothing,
            catalog=registry.CATALOG,
            sessionmaker=sessionmaker,
            producer=producer,
            bootstrap_servers=broker.bootstrap,
            group_id=GROUP,
            session_timeout_ms=3000,
        )

    async def applied() -> set[uuid.UUID]:
        async with sessionmaker() as session:
            return set(
                await session.scalars(
                    select(processed_events.c.event_id).where(
                        processed_events.c.consumer == "broker-loss"
                    )
                )
            )

    async def applied_all(count: int) -> None:
        assert len(await applied()) == count

    running: asyncio.Task[None] | None = None
    await producer.start()  # for dead letters; there are none
    try:
        await publish(broker.bootstrap, topic, events[:10])
        running = asyncio.create_task(consumer().run())
        await eventually(lambda: applied_all(10), timeout=30)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)

        # The broker comes back empty; the publisher sends its log again, the events
        # the consumer never saw first; an offset from the old log (10) is committed.
        broker.restart()
        await publish(broker.bootstrap, topic, events[10:] + events[:10])
        await commit(broker.bootstrap, partition, 10)

        running = asyncio.create_task(consumer().run())
        await eventually(lambda: applied_all(20), timeout=30)
        assert await applied() == {event.id for event in events}
        async with sessionmaker() as session:
            total = await session.scalar(select(func.count()).select_from(processed_events))
        assert total == 20  # each once, though half of them came twice
    finally:
        if running is not None:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
        await producer.stop()
        await engine.dispose()


async def read_ids(bootstrap: str, topic: str, count: int, timeout: float = 20.0) -> set[str]:
    """The event ids on the topic, once `count` distinct ones arrived (or the timeout)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        metadata_max_age_ms=500,
    )
    await consumer.start()
    seen: set[str] = set()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(seen) < count and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                seen.update(CloudEvent.from_json(r.value).id.hex for r in records if r.value)
    finally:
        await consumer.stop()
    return seen


async def test_a_relay_publishes_again_to_a_broker_that_came_back_empty(
    stack: Stack, own_broker: Broker
) -> None:
    broker = own_broker
    url = await stack.database("registry_broker_loss")
    engine = create_async_engine(url)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    topic = f"qise.test.relay-loss.{uuid.uuid4().hex[:8]}"
    box = Outbox(service="relay-loss", topic=topic)
    producer = create_producer(broker.bootstrap, "relay-loss")
    await producer.start()
    relay = OutboxRelay(
        outbox=box,
        sessionmaker=sessionmaker,
        producer=producer,
        cluster=ClusterId(broker.bootstrap, "relay-loss"),
        poll_seconds=0.1,
    )
    running = asyncio.create_task(relay.run())
    try:
        async with sessionmaker() as session, session.begin():
            written = {
                (
                    await box.record(
                        session,
                        registry.CommunityCreated(community_id=f"c{i}", name=f"社区{i}"),
                        community=f"c{i}",
                        subject=f"communities/c{i}",
                    )
                ).id.hex
                for i in range(30)
            }
        assert await read_ids(broker.bootstrap, topic, 30) == written

        # Nothing new is written: the relay notices the new cluster by itself.
        broker.restart()
        assert await read_ids(broker.bootstrap, topic, 30) == written
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await producer.stop()
        await engine.dispose()
