"""Emptying the projections and building them again from the events."""

from __future__ import annotations

from itertools import pairwise

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.stats.handlers import CONSUMERS
from services.stats.models import Base, ProjectionState
from shared import progress
from shared.db import on_postgresql
from shared.service import Runtime, start_consumers, stop_consumers
from shared.tables import consumer_progress, processed_events


async def generation(session: AsyncSession) -> int:
    state = await session.get(ProjectionState, 1)
    return state.generation if state else 1


def group_prefix(runtime: Runtime, generation: int) -> str:
    return f"{runtime.settings.group_id}-g{generation}"


async def use_current_generation(runtime: Runtime) -> None:
    """On start-up: consume in the consumer groups of the current generation."""
    async with runtime.sessionmaker() as session:
        runtime.group_prefix = group_prefix(runtime, await generation(session))


async def rebuild(runtime: Runtime) -> int:
    """Empty every projection and read all events again, in new consumer groups.

    The new groups start at the beginning of the topics. What the broker no
    longer holds, the services publish again from their outboxes on request
    (`qise stats rebuild --republish`).
    """
    await stop_consumers(runtime)
    async with runtime.sessionmaker() as session, session.begin():
        await _empty_projections(session)
        state = await session.get(ProjectionState, 1)
        if state is None:
            state = ProjectionState(id=1, generation=1)
            session.add(state)
        state.generation += 1
        new_generation = state.generation
    runtime.group_prefix = group_prefix(runtime, new_generation)
    if runtime.producer_started:
        start_consumers(runtime)
    return new_generation


async def _empty_projections(session: AsyncSession) -> None:
    """Every projection table and this service's consumers' inbox rows, emptied.

    On PostgreSQL with TRUNCATE: a rebuild of a million activities would otherwise
    start by deleting millions of rows one by one. The inbox is truncated only when
    it holds nothing but our consumers' rows; otherwise those are deleted.
    """
    tables = [t for t in Base.metadata.sorted_tables if t.name != ProjectionState.__tablename__]
    mine = processed_events.c.consumer.in_(CONSUMERS)
    await session.execute(
        delete(consumer_progress).where(consumer_progress.c.consumer.in_(CONSUMERS))
    )
    if not on_postgresql(session):
        for table in reversed(tables):
            await session.execute(delete(table))
        await session.execute(delete(processed_events).where(mine))
        return
    names = [table.name for table in tables]
    if not await _others_in_inbox(session):
        names.append(processed_events.name)
    else:
        await session.execute(delete(processed_events).where(mine))
    await session.execute(text(f"TRUNCATE {', '.join(names)}"))


async def _others_in_inbox(session: AsyncSession) -> bool:
    """Whether any consumer but ours left rows in the inbox: one probe of the primary
    key (consumer first) per gap between our consumers' names."""
    consumer = processed_events.c.consumer
    bounds: list[str | None] = [None, *sorted(CONSUMERS), None]
    for low, high in pairwise(bounds):
        where = []
        if low is not None:
            where.append(consumer > low)
        if high is not None:
            where.append(consumer < high)
        if await session.scalar(select(consumer).where(*where).limit(1)) is not None:
            return True
    return False


async def applied_counts(session: AsyncSession) -> dict[str, int]:
    return await progress.applied_by_consumer(session, CONSUMERS)
