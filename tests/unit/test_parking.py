"""The parking lot on SQLite (the `make run` default): park, lease, postpone, release."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import create_engine, create_sessionmaker, utcnow
from shared.dlq import Received
from shared.parking import ParkingLot
from shared.retry import RetryPolicy
from shared.tables import MESSAGING_METADATA, parked_events


@pytest.fixture
async def sessionmaker(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'parking.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(MESSAGING_METADATA.create_all)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def make_due(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(update(parked_events).values(retry_at=utcnow()))


def message(offset: int) -> Received:
    return Received("qise.county.inbound", 0, offset, b"c1", b'{"id": "%d"}' % offset)


async def test_parked_events_come_due_in_log_order_once_each_until_released(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    lot = ParkingLot("county-inbound", sessionmaker, RetryPolicy())
    other = ParkingLot("someone-else", sessionmaker, RetryPolicy())
    first, second = uuid.uuid4(), uuid.uuid4()
    await lot.park(second, message(7), "community 'c1' is not known here (yet)")
    await lot.park(first, message(3), "community 'c1' is not known here (yet)")
    await lot.park(first, message(3), "parked again after a redelivery")  # kept once
    assert await lot.take_due() == []  # not before its first delay

    await make_due(sessionmaker)
    assert await other.take_due() == []
    taken = await lot.take_due()
    assert [p.event_id for p in taken] == [first, second]
    assert taken[0].message == message(3) and taken[0].attempts == 1
    assert "not known here" in taken[0].reason
    assert await lot.take_due() == []  # leased: another replica skips them

    await lot.postpone(taken[0], "still not known")
    await lot.release(second)
    await make_due(sessionmaker)
    [again] = await lot.take_due()
    assert again.event_id == first and again.attempts == 2 and again.reason == "still not known"
    await lot.release(first)
    async with sessionmaker() as session:
        assert list(await session.scalars(select(parked_events.c.event_id))) == []
