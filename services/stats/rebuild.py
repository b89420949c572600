"""Emptying the projections and building them again from the events."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.stats.handlers import CONSUMERS
from services.stats.models import Base, ProjectionState
from shared.service import Runtime, start_consumers, stop_consumers
from shared.tables import processed_events


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
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != ProjectionState.__tablename__:
                await session.execute(delete(table))
        await session.execute(
            delete(processed_events).where(processed_events.c.consumer.in_(CONSUMERS))
        )
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


async def applied_counts(session: AsyncSession) -> dict[str, int]:
    from sqlalchemy import func

    rows = await session.execute(
        select(processed_events.c.consumer, func.count())
        .where(processed_events.c.consumer.in_(CONSUMERS))
        .group_by(processed_events.c.consumer)
    )
    return {name: count for name, count in rows}
