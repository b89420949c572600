"""How far each consumer group got on each partition (`consumer_progress`).

A consumer records it in the same transaction as every batch it applies, so it
is exactly as durable as the effects: one row a partition, however many
events. `/stats/lag` counts from it, "as of" reads the newest event time from
it, and a rebuild compares its new groups' offsets with the old ones'.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import insert_for, on_postgresql, utcnow
from shared.tables import consumer_progress

Partition = tuple[str, str, int]  # (group_id, topic, partition)


def _greatest(session: AsyncSession, old: Any, new: Any) -> Any:
    # SQLite's two-argument max() is its greatest(); it yields NULL when either is NULL.
    if on_postgresql(session):
        return func.greatest(old, new)
    return func.max(func.coalesce(old, new), func.coalesce(new, old))


async def record(
    session: AsyncSession,
    *,
    consumer: str,
    group_id: str,
    applied: Iterable[tuple[str, int, int, datetime | None]],
) -> None:
    """Add what a batch applied: (topic, partition, offset, event time) per event applied
    (event time None for a record read but not applied, which moves only the offset)."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    now = utcnow()
    for topic, partition, offset, event_time in applied:
        row = rows.get((topic, partition))
        if row is None:
            row = rows[(topic, partition)] = {
                "consumer": consumer,
                "group_id": group_id,
                "topic": topic,
                "partition": partition,
                "next_offset": offset + 1,
                "applied": 0,
                "newest_event_time": None,
                "updated_at": now,
            }
        row["next_offset"] = max(row["next_offset"], offset + 1)
        if event_time is not None:
            row["applied"] += 1
            newest = row["newest_event_time"]
            row["newest_event_time"] = event_time if newest is None else max(newest, event_time)
    if not rows:
        return
    statement = insert_for(session, consumer_progress)
    new, old = statement.excluded, consumer_progress.c
    statement = statement.on_conflict_do_update(
        index_elements=["group_id", "topic", "partition"],
        set_={
            "next_offset": _greatest(session, old.next_offset, new.next_offset),
            "applied": old.applied + new.applied,
            "newest_event_time": _greatest(session, old.newest_event_time, new.newest_event_time),
            "updated_at": new.updated_at,
        },
    )
    await session.execute(statement, list(rows.values()))


async def applied_by_consumer(session: AsyncSession, consumers: Iterable[str]) -> dict[str, int]:
    """Events applied per consumer name, over all its groups' rows."""
    rows = await session.execute(
        select(consumer_progress.c.consumer, func.sum(consumer_progress.c.applied))
        .where(consumer_progress.c.consumer.in_(list(consumers)))
        .group_by(consumer_progress.c.consumer)
    )
    return {name: int(count or 0) for name, count in rows}


async def newest_event_time(session: AsyncSession, consumers: Iterable[str]) -> datetime | None:
    """The time of the newest event any of these consumers applied."""
    newest: datetime | None = await session.scalar(
        select(func.max(consumer_progress.c.newest_event_time)).where(
            consumer_progress.c.consumer.in_(list(consumers))
        )
    )
    return newest


async def offsets(session: AsyncSession, group_ids: Iterable[str]) -> dict[Partition, int]:
    """The next offset of every partition these groups applied records from."""
    rows = await session.execute(
        select(
            consumer_progress.c.group_id,
            consumer_progress.c.topic,
            consumer_progress.c.partition,
            consumer_progress.c.next_offset,
        ).where(consumer_progress.c.group_id.in_(list(group_ids)))
    )
    return {(group, topic, partition): offset for group, topic, partition, offset in rows}
