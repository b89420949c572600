"""Parked events: those that name an entity this service's replica has not received
yet, kept in the database until they apply.

Contract: `park` stores the message as read, in a transaction that commits before
the consumer commits the offset past it, so a crash loses nothing (a redelivery
parks it again, or applies it). `take_due` leases the events whose retry time has
come (another replica's `take_due` skips them for the lease), oldest position
first; the consumer applies each through its usual claim-and-apply transaction,
then `release`s it, or `postpone`s it with a longer delay, or dead-letters and
releases it once `RetryPolicy.past_horizon`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import insert_for, utcnow
from shared.dlq import Received
from shared.retry import RetryPolicy
from shared.tables import parked_events

# Long enough to apply a leased event; a replica that died holding it frees it after.
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class Parked:
    event_id: uuid.UUID
    message: Received
    reason: str
    attempts: int
    parked_at: datetime


class ParkingLot:
    def __init__(
        self, consumer: str, sessionmaker: async_sessionmaker[AsyncSession], policy: RetryPolicy
    ) -> None:
        self.consumer = consumer
        self.sessionmaker = sessionmaker
        self.policy = policy

    async def park(self, event_id: uuid.UUID, message: Received, reason: str) -> None:
        now = utcnow()
        async with self.sessionmaker() as session, session.begin():
            statement = insert_for(session, parked_events).on_conflict_do_nothing(
                index_elements=["consumer", "event_id"]
            )
            await session.execute(
                statement,
                {
                    "consumer": self.consumer,
                    "event_id": event_id,
                    "topic": message.topic,
                    "partition": message.partition,
                    "offset": message.offset,
                    "key": message.key,
                    "message": message.value or b"",
                    "reason": reason,
                    "attempts": 1,
                    "parked_at": now,
                    "retry_at": now + timedelta(seconds=self.policy.park_delay(1)),
                },
            )

    async def take_due(self, limit: int = 50) -> list[Parked]:
        now = utcnow()
        table = parked_events
        mine = table.c.consumer == self.consumer
        due = (
            select(table.c.event_id)
            .where(mine, table.c.retry_at <= now)
            .order_by(table.c.topic, table.c.partition, table.c.offset)
            .limit(limit)
        )
        async with self.sessionmaker() as session, session.begin():
            # The condition on retry_at is checked again on each row locked: of two
            # replicas, the second finds the lease taken and skips the row.
            rows = await session.execute(
                update(table)
                .where(mine, table.c.retry_at <= now, table.c.event_id.in_(due.scalar_subquery()))
                .values(retry_at=now + LEASE)
                .returning(
                    table.c.event_id,
                    table.c.topic,
                    table.c.partition,
                    table.c.offset,
                    table.c.key,
                    table.c.message,
                    table.c.reason,
                    table.c.attempts,
                    table.c.parked_at,
                )
            )
            taken = [
                Parked(
                    row.event_id,
                    Received(row.topic, row.partition, row.offset, row.key, row.message),
                    row.reason,
                    row.attempts,
                    row.parked_at,
                )
                for row in rows
            ]
        return sorted(taken, key=lambda p: (p.message.topic, p.message.partition, p.message.offset))

    async def postpone(self, parked: Parked, reason: str) -> None:
        attempts = parked.attempts + 1
        retry_at = utcnow() + timedelta(seconds=self.policy.park_delay(attempts))
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(parked_events)
                .where(
                    parked_events.c.consumer == self.consumer,
                    parked_events.c.event_id == parked.event_id,
                )
                .values(attempts=attempts, retry_at=retry_at, reason=reason)
            )

    async def release(self, event_id: uuid.UUID) -> None:
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                delete(parked_events).where(
                    parked_events.c.consumer == self.consumer,
                    parked_events.c.event_id == event_id,
                )
            )
