"""Handlers and projections without Kafka: a service's database in memory and a broker
that hands events to its subscriptions as the consumer does.

`Store` is a service's own tables (its metadata, plus the messaging tables) in SQLite
`:memory:`, or in any database its migrations made (`Store.at(url)`, for PostgreSQL).
`deliver` serializes each event as it travels, parses it with the subscription's
catalog, claims its id in `processed_events` and applies the batch, claim and effect
in one transaction, as `shared.consumer` does: a duplicate is skipped by its id, a
stale state by its version.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import StaticPool

from shared import progress
from shared.db import create_engine, create_sessionmaker, insert_for, utcnow
from shared.events import Event, EventData, new_event
from shared.service import Subscription
from shared.tables import MESSAGING_METADATA, processed_events


@dataclass
class Store:
    """One service's database for a test."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    metadata: MetaData

    @classmethod
    async def in_memory(cls, metadata: MetaData) -> Store:
        # One connection for every session: each new :memory: connection is another database.
        engine = create_engine("sqlite+aiosqlite:///:memory:", poolclass=StaticPool)
        async with engine.begin() as connection:
            for tables in (metadata, MESSAGING_METADATA):
                await connection.run_sync(tables.create_all)
        return cls(engine, create_sessionmaker(engine), metadata)

    @classmethod
    def at(cls, url: str, metadata: MetaData) -> Store:
        """A database the service's migrations made, with a pool of its own (another process)."""
        engine = create_engine(url)
        return cls(engine, create_sessionmaker(engine), metadata)

    async def close(self) -> None:
        await self.engine.dispose()

    async def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every table of the service, sorted, without rollup rows that add up to nothing
        (which one order of arrival creates and another never does)."""
        tables: dict[str, list[tuple[Any, ...]]] = {}
        async with self.sessionmaker() as session:
            for table in self.metadata.sorted_tables:
                key = {c.key for c in table.primary_key}
                amounts = [
                    c.key
                    for c in table.columns
                    if c.key not in key and c.type.python_type in (int, Decimal)
                ]
                kept = []
                for row in (await session.execute(select(table))).all():
                    values = row._mapping
                    if "version" not in table.c and amounts and not any(values[a] for a in amounts):
                        continue
                    kept.append(tuple(values.values()))
                tables[table.name] = sorted(kept, key=repr)
        return tables


def message(data: EventData, *, community: str, subject: str, source: str = "/qise/test") -> bytes:
    """An event as it travels: the CloudEvents JSON document the relay sends."""
    return new_event(data, source=source, community=community, subject=subject).to_json()


async def deliver(
    store: Store, subscription: Subscription, messages: Iterable[bytes], batch: int = 50
) -> None:
    """Hand messages to a subscription in batches, as the consumer does; those of types it
    does not apply (or of other topics) pass it by."""
    wanted = [
        subscription.catalog.parse_json(raw)
        for raw in messages
        if orjson.loads(raw)["type"] in subscription.types
    ]
    for start in range(0, len(wanted), batch):
        await apply_batch(store, subscription, wanted[start : start + batch])


async def apply_batch(store: Store, subscription: Subscription, events: list[Event[Any]]) -> None:
    """Claim the batch's ids and apply the new events, in one transaction."""
    async with store.sessionmaker() as session, session.begin():
        rows = {
            e.id: {
                "consumer": subscription.name,
                "event_id": e.id,
                "event_time": e.time,
                "processed_at": utcnow(),
            }
            for e in events
        }
        claim = (
            insert_for(session, processed_events)
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(processed_events.c.event_id)
        )
        claimed = set((await session.execute(claim, list(rows.values()))).scalars())
        fresh = []
        for event in events:
            if event.id in claimed:  # once, even when the batch has it twice
                claimed.discard(event.id)
                fresh.append(event)
        if fresh:
            await subscription.apply(session, fresh)
        # No broker here: what was applied is counted on one pseudo-partition.
        topic = subscription.topics[0]
        await progress.record(
            session,
            consumer=subscription.name,
            group_id=subscription.name,
            applied=[(topic, 0, 0, e.time) for e in fresh],
        )


def shuffled_with_duplicates(messages: Sequence[bytes], rng: random.Random) -> list[bytes]:
    """The messages in a random order, a random third of them twice."""
    again = rng.sample(list(messages), len(messages) // 3)
    mixed = [*messages, *again]
    rng.shuffle(mixed)
    return mixed
