"""The consumer's failure, commit and retention policies, on the real PostgreSQL and broker.

Each test runs its own `EventConsumer`s on a topic and a database of their own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import REGISTRY
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from services.registry import events as registry
from shared.consumer import BatchHandler, EventConsumer
from shared.db import utcnow
from shared.dlq import read_dead_letters
from shared.events import CloudEvent, Event, new_event
from shared.failures import Failure, classify
from shared.kafka import create_producer, dlq_topic, ensure_topics
from shared.retention import prune_claims, prune_claims_forever
from shared.retry import RetryPolicy
from shared.tables import processed_events
from tests.conftest import Stack, eventually


@dataclass
class Bench:
    """A database with the messaging tables, a topic, and a producer for dead letters."""

    bootstrap: str
    topic: str
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer

    def consumer(self, name: str, apply: BatchHandler, **options: Any) -> EventConsumer:
        return EventConsumer(
            service="test",
            name=name,
            topics=[self.topic],
            types=frozenset({registry.CommunityCreated.event_type}),
            apply=apply,
            catalog=registry.CATALOG,
            sessionmaker=self.sessionmaker,
            producer=self.producer,
            bootstrap_servers=self.bootstrap,
            group_id=f"qise-test-{name}-{self.topic}",
            session_timeout_ms=3000,
            **options,
        )

    async def publish(self, events: list[CloudEvent]) -> None:
        for event in events:
            await self.producer.send(self.topic, event.to_json(), key=event.community.encode())
        await self.producer.flush()

    async def applied(self, consumer: str) -> set[uuid.UUID]:
        async with self.sessionmaker() as session:
            return set(
                await session.scalars(
                    select(processed_events.c.event_id).where(
                        processed_events.c.consumer == consumer
                    )
                )
            )


@pytest.fixture
async def bench(stack: Stack) -> AsyncIterator[Bench]:
    url = await stack.database(f"stats_policy{uuid.uuid4().hex[:8]}")
    engine = create_async_engine(url, pool_size=20)
    topic = f"qise.test.policy.{uuid.uuid4().hex[:8]}"
    await ensure_topics(stack.broker.bootstrap, [topic, dlq_topic(topic)], partitions=6)
    producer = create_producer(stack.broker.bootstrap, "policy-test")
    await producer.start()
    try:
        yield Bench(
            stack.broker.bootstrap,
            topic,
            engine,
            async_sessionmaker(engine, expire_on_commit=False),
            producer,
        )
    finally:
        await producer.stop()
        await engine.dispose()


def communities(count: int) -> list[CloudEvent]:
    return [
        new_event(
            registry.CommunityCreated(community_id=f"c{i}", name=f"社区{i}"),
            source="/test",
            community=f"c{i % 12}",
            subject=f"communities/c{i}",
        )
        for i in range(count)
    ]


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def running(*consumers: EventConsumer) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(c.run()) for c in consumers]


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def database_refuses(session: AsyncSession, sql: str) -> DBAPIError:
    try:
        await session.execute(text(sql))
    except DBAPIError as error:
        return error
    raise AssertionError(f"{sql} did not fail")


async def test_deadlocks_and_statement_timeouts_on_postgresql_are_transient(
    bench: Bench,
) -> None:
    async with bench.sessionmaker() as session, session.begin():
        await session.execute(text("SET LOCAL statement_timeout = 10"))
        timeout = await database_refuses(session, "SELECT pg_sleep(1)")
    assert classify(timeout) is Failure.TRANSIENT

    async with bench.engine.begin() as setup:
        await setup.execute(text("CREATE TABLE crossing (id int PRIMARY KEY)"))
        await setup.execute(text("INSERT INTO crossing VALUES (1), (2)"))
    first, second = bench.sessionmaker(), bench.sessionmaker()
    async with first, second, first.begin(), second.begin():
        await first.execute(text("UPDATE crossing SET id = id WHERE id = 1"))
        await second.execute(text("UPDATE crossing SET id = id WHERE id = 2"))
        crossed = await asyncio.gather(
            first.execute(text("UPDATE crossing SET id = id WHERE id = 2")),
            second.execute(text("UPDATE crossing SET id = id WHERE id = 1")),
            return_exceptions=True,
        )
        [deadlock] = [e for e in crossed if isinstance(e, BaseException)]
        await (first if crossed[0] is deadlock else second).rollback()
    assert isinstance(deadlock, DBAPIError) and classify(deadlock) is Failure.TRANSIENT


def failing_first(
    times: int, failure: Callable[[AsyncSession], Awaitable[None]], victim: uuid.UUID
) -> BatchHandler:
    """A handler that fails `times` times on `victim`, then applies it."""
    failures = Counter[uuid.UUID]()

    async def apply(session: AsyncSession, events: list[Event[Any]]) -> None:
        for event in events:
            if event.id == victim and failures[victim] < times:
                failures[victim] += 1
                await failure(session)

    return apply


async def time_out(session: AsyncSession) -> None:
    await session.execute(text("SET LOCAL statement_timeout = 10"))
    await session.execute(text("SELECT pg_sleep(1)"))


async def test_an_event_hit_by_statement_timeouts_is_retried_until_it_applies(
    bench: Bench,
) -> None:
    events = communities(5)
    victim = events[2].id
    consumer = bench.consumer(
        "timeouts",
        failing_first(6, time_out, victim),
        policy=RetryPolicy(first_delay=0.05, longest_delay=0.4),
    )
    tasks = await running(consumer)
    try:
        await bench.publish(events)

        async def all_applied() -> None:
            assert await bench.applied("timeouts") == {e.id for e in events}

        await eventually(all_applied, timeout=30)
        assert (
            metric("qise_consumer_retries_total", service="test", topic=bench.topic) == 5
        )  # the batch, then 5 alone
    finally:
        await stop(tasks)


async def test_a_poison_that_looks_transient_goes_to_the_dead_letter_topic_with_an_alert(
    bench: Bench,
) -> None:
    events = communities(4)
    poison = events[1]

    async def always_locked(session: AsyncSession) -> None:
        raise OperationalError("UPDATE ...", {}, Exception("looks like the database is away"))

    consumer = bench.consumer(
        "poison",
        failing_first(1_000_000, always_locked, poison.id),
        policy=RetryPolicy(poison_after_seconds=2, first_delay=0.05, longest_delay=0.3),
    )
    before = metric("qise_consumer_poison_total", service="test", topic=bench.topic)
    tasks = await running(consumer)
    try:
        await bench.publish(events)

        async def the_others_applied() -> None:
            assert await bench.applied("poison") == {e.id for e in events} - {poison.id}

        await eventually(the_others_applied, timeout=30)

        async def dead_lettered() -> str:
            letters = await read_dead_letters(bench.bootstrap, [dlq_topic(bench.topic)])
            [letter] = [d for d in letters if d.value == poison.to_json()]
            return letter.reason

        reason = await eventually(dead_lettered, timeout=20)
        assert reason.startswith("poison: failed for") and "looks like the database" in reason
        after = metric("qise_consumer_poison_total", service="test", topic=bench.topic)
        assert after == before + 1
        assert metric("qise_consumer_blocked_seconds", service="test", topic=bench.topic) == 0
    finally:
        await stop(tasks)


async def test_a_third_consumer_joining_under_load_loses_nothing_and_applies_nothing_twice(
    bench: Bench, caplog: pytest.LogCaptureFixture
) -> None:
    events = communities(1500)
    calls = Counter[uuid.UUID]()

    async def slow(session: AsyncSession, batch: list[Event[Any]]) -> None:
        calls.update(e.id for e in batch)
        await asyncio.sleep(0.15)  # batches in flight when the group rebalances

    def member() -> EventConsumer:
        return bench.consumer("rebalance", slow, batch_size=20)

    restarts = metric("qise_consumer_restarts_total", service="test", consumer="rebalance")
    tasks = await running(member(), member())
    try:
        await bench.publish(events[:500])
        await eventually(lambda: bench_has_applied(bench, 100), timeout=30)
        publishing = asyncio.create_task(bench.publish(events[500:]))
        tasks += await running(member())
        await publishing

        async def all_applied() -> None:
            assert await bench.applied("rebalance") == {e.id for e in events}

        await eventually(all_applied, timeout=90, interval=0.5)
        assert set(calls) == {e.id for e in events}
        assert [i for i, n in calls.items() if n > 1] == []
        after = metric("qise_consumer_restarts_total", service="test", consumer="rebalance")
        assert after == restarts, "a consumer left its group and restarted"
        assert not [r for r in caplog.records if "restarting" in r.getMessage()]
    finally:
        await stop(tasks)


async def bench_has_applied(bench: Bench, count: int) -> None:
    assert len(await bench.applied("rebalance")) >= count


async def test_old_claims_are_pruned_in_batches_and_the_newest_stays(bench: Bench) -> None:
    now = utcnow()

    def claim(consumer: str, days_ago: float, event_days_ago: float) -> dict[str, Any]:
        return {
            "consumer": consumer,
            "event_id": uuid.uuid4(),
            "event_time": now - timedelta(days=event_days_ago),
            "processed_at": now - timedelta(days=days_ago),
        }

    old = [claim("pruned", 40, 41 + i) for i in range(25)]
    recent = [claim("pruned", 1, 1 + i) for i in range(5)]
    idle = [claim("idle", 40, 40 + i) for i in range(3)]  # nothing new for 40 days
    other = [claim("other", 40, 41)]
    async with bench.sessionmaker() as session, session.begin():
        await session.execute(insert(processed_events), [*old, *recent, *idle, *other])
    async with bench.sessionmaker() as session, session.begin():
        assert await prune_claims(session, "pruned", now - timedelta(days=35), limit=10) == 10

    pruning = asyncio.create_task(
        prune_claims_forever(
            bench.sessionmaker,
            service="test",
            consumers=["pruned", "idle"],
            keep_days=35,
            limit=10,
        )
    )

    async def left(consumer: str) -> set[uuid.UUID]:
        async with bench.sessionmaker() as session:
            return set(
                await session.scalars(
                    select(processed_events.c.event_id).where(
                        processed_events.c.consumer == consumer
                    )
                )
            )

    async def pruned() -> None:
        assert await left("pruned") == {c["event_id"] for c in recent}
        assert await left("idle") == {idle[0]["event_id"]}  # its newest: stats' "as of"

    try:
        await eventually(pruned, timeout=10)
    finally:
        await stop([pruning])
    assert len(await left("other")) == 1
