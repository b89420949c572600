"""Two stats processes applying one community's events at once (a partition moving
between them) on one PostgreSQL database: the rollups come out exact."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from services.activities import events as activities
from services.registry import events as registry
from services.stats import handlers as stats_handlers
from services.stats.app import MIGRATIONS
from services.stats.models import Base, CommunityVolunteers, DailyFigures, VolunteerHours
from services.stats.settings import StatsSettings
from shared.migrate import upgrade
from tests.fakes import Store, deliver, message
from tests.infra import new_databases

HERE = "longquan"
ACTIVITIES = 40
NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
PEOPLE = [str(uuid.UUID(int=1000 + i)) for i in range(ACTIVITIES)]


@pytest.fixture
async def two_processes(postgres: str) -> AsyncIterator[tuple[Store, Store]]:
    databases = new_databases(postgres)
    url = await databases.create("stats")
    await asyncio.to_thread(upgrade, url, MIGRATIONS, Base.metadata)
    first, second = Store.at(url, Base.metadata), Store.at(url, Base.metadata)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()
        await databases.drop_all()


def activity(
    n: int, kind: type[activities.ActivityState], status: str, version: int, **extra: Any
) -> bytes:
    data = kind(
        activity_id=str(uuid.UUID(int=n)),
        community_id=HERE,
        team_id=str(uuid.UUID(int=0)),
        category="orange",
        kind="free_clinic",
        title="义诊",
        started_at=NOW - timedelta(hours=3),
        ended_at=NOW - timedelta(hours=1),
        people_served=10,
        participants=[activities.ParticipantHours(volunteer_id=PEOPLE[n], hours=2)],
        status=status,
        version=version,
        **extra,
    )
    return message(data, community=HERE, subject=data.activity_id)


def volunteer(n: int, kind: type[registry.VolunteerState], version: int, **fields: Any) -> bytes:
    state = {"name": "甲", "phone_masked": "138****0000", "is_party_member": True, **fields}
    data = kind(volunteer_id=PEOPLE[n], community_id=HERE, version=version, **state)
    return message(data, community=HERE, subject=data.volunteer_id)


async def test_two_processes_applying_one_community_at_once_count_exactly(
    two_processes: tuple[Store, Store],
) -> None:
    first, second = two_processes
    by_name = {s.name: s for s in stats_handlers.subscriptions(StatsSettings())}
    projection, replica = by_name["activities"], by_name["registry"]
    n = range(ACTIVITIES)
    await deliver(
        first, projection, [activity(i, activities.ActivityLogged, "logged", 1) for i in n]
    )
    await deliver(first, replica, [volunteer(i, registry.VolunteerRegistered, 1) for i in n])

    # The partition moves: the old owner still applies the verifications while the new
    # one applies the voids and deactivations that came after them.
    verified = [activity(i, activities.ActivityVerified, "verified", 2, verified_by="x") for i in n]
    voided = [
        activity(i, activities.ActivityVoided, "voided", 3, reason="错", voided_by="x") for i in n
    ]
    updated = [volunteer(i, registry.VolunteerUpdated, 2, is_party_member=False) for i in n]
    gone = [volunteer(i, registry.VolunteerDeactivated, 3, active=False) for i in n]
    for start in range(0, ACTIVITIES, 10):
        await asyncio.gather(
            deliver(first, projection, verified[start : start + 10], batch=10),
            deliver(second, projection, voided[start : start + 10], batch=10),
            deliver(first, replica, updated[start : start + 10], batch=10),
            deliver(second, replica, gone[start : start + 10], batch=10),
        )
    # And both read some of them again (a redelivery after the move).
    await asyncio.gather(
        deliver(first, projection, voided[:5] + verified[:5], batch=10),
        deliver(second, projection, verified[5:10] + voided[5:10], batch=10),
    )

    async with first.sessionmaker() as session:
        day = (await session.execute(select(DailyFigures))).scalars().one()
        assert (day.activities, day.people_served) == (0, 0)
        assert (day.volunteer_hours, day.certified_hours) == (Decimal(0), Decimal(0))
        hours = await session.execute(
            select(func.sum(VolunteerHours.hours), func.sum(VolunteerHours.certified_hours))
        )
        assert tuple(hours.one()) == (Decimal(0), Decimal(0))
        counted = await session.get(CommunityVolunteers, HERE)
        assert counted is not None and (counted.volunteers, counted.party_members) == (0, 0)
