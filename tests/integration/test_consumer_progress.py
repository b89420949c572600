"""What a consumer records of its progress: offsets only move forward, applied events
add up, the newest event time is kept, on PostgreSQL as on SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from services.stats.app import MIGRATIONS
from services.stats.models import Base
from shared import progress
from shared.migrate import upgrade
from tests.fakes import Store
from tests.infra import new_databases

EARLY = datetime(2026, 11, 1, 9, tzinfo=UTC)
LATE = datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        memory = await Store.in_memory(Base.metadata)
        yield memory
        await memory.close()
        return
    databases = new_databases(request.getfixturevalue("postgres"))
    url = await databases.create("stats")
    await asyncio.to_thread(upgrade, url, MIGRATIONS, Base.metadata)
    migrated = Store.at(url, Base.metadata)
    try:
        yield migrated
    finally:
        await migrated.close()
        await databases.drop_all()


async def test_offsets_move_forward_and_applied_events_add_up(store: Store) -> None:
    batches: list[list[tuple[str, int, int, datetime | None]]] = [
        # Two partitions; a duplicate (time None) moves the offset but counts nothing.
        [("t", 0, 10, LATE), ("t", 0, 11, None), ("t", 1, 4, EARLY)],
        # A batch re-delivered after a crash before the offset commit: offsets stay.
        [("t", 0, 3, EARLY)],
    ]
    for batch in batches:
        async with store.sessionmaker() as session, session.begin():
            await progress.record(session, consumer="c", group_id="g-c", applied=batch)

    async with store.sessionmaker() as session:
        assert await progress.offsets(session, ["g-c"]) == {("g-c", "t", 0): 12, ("g-c", "t", 1): 5}
        assert await progress.applied_by_consumer(session, ["c", "other"]) == {"c": 3}
        assert await progress.newest_event_time(session, ["c"]) == LATE
        assert await progress.newest_event_time(session, ["other"]) is None


async def test_a_batch_rolled_back_records_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.sessionmaker() as session, session.begin():
            await progress.record(
                session, consumer="c", group_id="g-c", applied=[("t", 0, 1, LATE)]
            )
            raise RuntimeError("the batch failed")
    async with store.sessionmaker() as session:
        assert await progress.offsets(session, ["g-c"]) == {}
