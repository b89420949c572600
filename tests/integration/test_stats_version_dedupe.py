"""The stats consumers dedupe by version on PostgreSQL: the same history fed through the
real `EventConsumer` in order, and shuffled with a third of it twice, leaves the same
rows, exact figures, and no claim rows."""

from __future__ import annotations

import asyncio
import random
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiokafka import ConsumerRecord
from sqlalchemy import func, select

from services.stats import handlers as stats_handlers
from services.stats.app import MIGRATIONS
from services.stats.models import Base
from services.stats.settings import StatsSettings
from shared import progress
from shared.consumer import EventConsumer
from shared.migrate import upgrade
from shared.tables import processed_events
from tests.fakes import Store, shuffled_with_duplicates
from tests.infra import new_databases
from tests.unit.test_arrival_order import stats_history

PARTITIONS = 3


@pytest.fixture
async def fresh_stats(postgres: str) -> AsyncIterator[Any]:
    databases = new_databases(postgres)
    opened: list[Store] = []

    async def make() -> Store:
        url = await databases.create(f"stats{len(opened)}")
        await asyncio.to_thread(upgrade, url, MIGRATIONS, Base.metadata)
        store = Store.at(url, Base.metadata)
        opened.append(store)
        return store

    try:
        yield make
    finally:
        for store in opened:
            await store.close()
        await databases.drop_all()


async def feed(store: Store, messages: list[bytes], batch: int) -> None:
    """Through the consumers the stats service runs, partitioned by key as the broker does."""
    consumers = {}
    for subscription in stats_handlers.subscriptions(StatsSettings()):
        consumer = EventConsumer(
            service="stats",
            name=subscription.name,
            topics=subscription.topics,
            types=subscription.types,
            apply=subscription.apply,
            catalog=subscription.catalog,
            sessionmaker=store.sessionmaker,
            producer=None,  # nothing here is poison: no dead letters to send
            bootstrap_servers="unused",
            group_id=f"test-{subscription.name}",
            dedupe=subscription.dedupe,
        )
        consumers[subscription.topics[0]] = consumer
    records: dict[tuple[str, int], list[ConsumerRecord[bytes, bytes]]] = defaultdict(list)
    for raw in messages:
        document = orjson.loads(raw)
        topic = next(t for t, c in consumers.items() if document["type"] in c.catalog)
        partition = zlib.crc32(document["subject"].encode()) % PARTITIONS
        offset = len(records[(topic, partition)])
        records[(topic, partition)].append(
            ConsumerRecord(topic, partition, offset, 0, 0, b"k", raw, None, 1, len(raw), ())
        )
    for (topic, _), found in sorted(records.items()):
        for start in range(0, len(found), batch):
            await consumers[topic].handle_records(found[start : start + batch])


async def test_duplicated_and_reordered_batches_leave_the_figures_exact(fresh_stats: Any) -> None:
    history = stats_history()
    in_order = await fresh_stats()
    await feed(in_order, history, batch=len(history))
    expected = await in_order.rows()
    assert expected["daily_figures"] and expected["category_members"]
    for seed in range(3):
        rng = random.Random(seed)
        mixed = await fresh_stats()
        await feed(mixed, shuffled_with_duplicates(history, rng), batch=rng.randint(2, 6))
        assert await mixed.rows() == expected, seed
        async with mixed.sessionmaker() as session:
            claims = await session.scalar(select(func.count()).select_from(processed_events))
            assert claims == 0  # every event here carries a version: nothing claimed
            applied = await progress.applied_by_consumer(session, stats_handlers.CONSUMERS)
            assert applied["activities"] > 0 and applied["registry"] > 0
