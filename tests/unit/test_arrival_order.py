"""Arrival order never matters: every replica and projection, fed one history shuffled and
partly twice, ends as it does fed the history in order (tests/fakes.py, in memory)."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest
from sqlalchemy import MetaData, select

from services.activities import events as activities
from services.activities import handlers as activity_handlers
from services.activities.models import Base as ActivitiesBase
from services.activities.settings import ActivitiesSettings
from services.registry import events as registry
from services.requests import events as requests
from services.requests import handlers as request_handlers
from services.requests.models import Base as RequestsBase
from services.requests.settings import RequestsSettings
from services.stats import handlers as stats_handlers
from services.stats.models import Base as StatsBase
from services.stats.models import (
    Branch,
    Category,
    CategoryMembers,
    CommunityVolunteers,
    DailyFigures,
    RequestCounts,
    TeamMember,
)
from services.stats.settings import StatsSettings
from shared.events import EventData
from shared.service import Subscription
from tests.fakes import Store, deliver, message, shuffled_with_duplicates

HERE = "longquan"
A, B, C = (str(uuid.UUID(int=i)) for i in (1, 2, 3))
T1, T2, T3 = (str(uuid.UUID(int=i)) for i in (11, 12, 13))
NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)
SEEDS = range(8)


def _event(data: EventData, subject: str, community: str = HERE) -> bytes:
    return message(data, community=community, subject=subject)


def _volunteer(kind: type[registry.VolunteerState], who: str, version: int, **fields: Any) -> bytes:
    state = {"name": who[-1], "phone_masked": "138****0000", "is_party_member": True, **fields}
    data = kind(volunteer_id=who, community_id=HERE, version=version, **state)
    return _event(data, who)


def _team(kind: type[registry.TeamState], team: str, category: str, version: int) -> bytes:
    data = kind(team_id=team, community_id=HERE, category=category, name=team[-2:], version=version)
    return _event(data, team)


def _member(
    kind: type[registry.TeamMemberJoined | registry.TeamMemberLeft],
    team: str,
    who: str,
    version: int,
) -> bytes:
    return _event(kind(team_id=team, volunteer_id=who, version=version), team)


def _branch(
    kind: type[registry.BranchState], branch: str, version: int, name: str | None = None
) -> bytes:
    # A branch spans communities: the registry keys its events "*".
    data = kind(branch_id=branch, name=name or branch, version=version)
    return _event(data, branch, "*")


def registry_history() -> list[bytes]:
    """A community's registry events in the order the registry published them."""
    joined, left = registry.TeamMemberJoined, registry.TeamMemberLeft
    return [
        _branch(registry.BranchRegistered, "chengnan", 1),
        _event(
            registry.CommunityCreated(community_id=HERE, name="龙泉", branch="chengnan", version=1),
            HERE,
        ),
        _event(registry.CategoryDefined(code="orange", name="橙", version=1), "orange", "*"),
        _event(registry.CategoryDefined(code="green", name="绿", version=1), "green", "*"),
        _volunteer(registry.VolunteerRegistered, A, 1),
        _volunteer(registry.VolunteerRegistered, B, 1, is_party_member=False),
        _volunteer(registry.VolunteerRegistered, C, 1),
        _team(registry.TeamRegistered, T1, "orange", 1),
        _team(registry.TeamRegistered, T2, "orange", 1),
        _team(registry.TeamRegistered, T3, "green", 1),
        _member(joined, T1, A, 2),
        _member(joined, T1, B, 3),
        _member(joined, T2, A, 2),
        _member(joined, T3, C, 2),
        _event(registry.CategoryDefined(code="orange", name="橙色志愿", version=2), "orange", "*"),
        _member(left, T1, B, 4),
        _member(left, T3, C, 3),
        _volunteer(registry.VolunteerUpdated, A, 2, is_party_member=False),
        _member(joined, T3, C, 4),
        _volunteer(registry.VolunteerDeactivated, C, 2, active=False),
        _team(registry.TeamUpdated, T2, "green", 3),
        _branch(registry.BranchChanged, "chengnan", 2, name="城南社区大支部"),
    ]


def _activity(
    kind: type[activities.ActivityState], n: int, status: str, version: int, **extra: Any
) -> bytes:
    data = kind(
        activity_id=str(uuid.UUID(int=100 + n)),
        community_id=HERE,
        team_id=T1,
        category="orange",
        kind="free_clinic",
        title="义诊",
        started_at=NOW - timedelta(hours=3),
        ended_at=NOW - timedelta(hours=1),
        people_served=10 * n,
        participants=[activities.ParticipantHours(volunteer_id=A, hours=n)],
        status=status,
        version=version,
        **extra,
    )
    return _event(data, data.activity_id)


def _request(
    kind: type[requests.RequestState], n: int, status: str, version: int, **extra: Any
) -> bytes:
    data = kind(
        request_id=str(uuid.UUID(int=200 + n)),
        community_id=HERE,
        service_kind="health_consultation",
        category="orange",
        channel="phone",
        mode="door_to_door",
        paid=False,
        urgency="normal",
        status=status,
        submitted_at=NOW,
        due_at=NOW + timedelta(days=1),
        version=version,
        **extra,
    )
    return _event(data, data.request_id)


def stats_history() -> list[bytes]:
    done = {"completed_at": NOW + timedelta(hours=2)}
    return [
        *registry_history(),
        _activity(activities.ActivityLogged, 1, "logged", 1),
        _activity(activities.ActivityVerified, 1, "verified", 2, verified_by="x"),
        _activity(activities.ActivityLogged, 2, "logged", 1),
        _activity(activities.ActivityVoided, 2, "voided", 2, reason="错", voided_by="x"),
        _activity(activities.ActivityLogged, 3, "logged", 1),
        _request(requests.RequestSubmitted, 1, "submitted", 1),
        _request(requests.RequestAssigned, 1, "assigned", 2, team_id=T1),
        _request(requests.RequestCompleted, 1, "completed", 3, team_id=T1, **done),
        _request(requests.RequestRated, 1, "completed", 4, team_id=T1, rating=5, **done),
        _request(requests.RequestSubmitted, 2, "submitted", 1),
        _request(requests.RequestCancelled, 2, "cancelled", 2, reason="不需要了"),
    ]


@pytest.fixture
async def stores() -> AsyncIterator[list[Store]]:
    opened: list[Store] = []
    yield opened
    for store in opened:
        await store.close()


async def fed(
    stores: list[Store],
    metadata: MetaData,
    subscriptions: list[Subscription],
    messages: list[bytes],
    rng: random.Random | None = None,
) -> Store:
    """A fresh store fed the messages, in batches of random sizes when `rng` is given."""
    store = await Store.in_memory(metadata)
    stores.append(store)
    start = 0
    while start < len(messages):
        size = rng.randint(1, 7) if rng is not None else 1
        for subscription in subscriptions:
            await deliver(store, subscription, messages[start : start + size])
        start += size
    return store


async def test_stats_ends_the_same_whatever_the_order(stores: list[Store]) -> None:
    subscriptions = stats_handlers.subscriptions(StatsSettings())
    history = stats_history()
    in_order = await fed(stores, StatsBase.metadata, subscriptions, history)
    expected = await in_order.rows()
    async with in_order.sessionmaker() as session:
        # The in-order figures are the right ones (so equal to them means right).
        assert await session.scalar(select(Category.name).where(Category.code == "orange")) == (
            "橙色志愿"
        )
        assert await session.scalar(select(Branch.name).where(Branch.id == "chengnan")) == (
            "城南社区大支部"
        )
        members = dict(
            (await session.execute(select(CategoryMembers.category, CategoryMembers.members))).all()
        )
        assert members == {"orange": 1, "green": 1}  # A in T1 and T2; B left; C inactive
        volunteers = await session.get(CommunityVolunteers, HERE)
        assert volunteers is not None
        assert (volunteers.volunteers, volunteers.party_members) == (2, 0)
        assert (await session.get(TeamMember, (uuid.UUID(B), uuid.UUID(T1)))) is None
        left = await session.get(TeamMember, (uuid.UUID(T1), uuid.UUID(B)))
        assert left is not None and (left.member, left.version) == (False, 4)
        day = (await session.scalars(select(DailyFigures))).one()
        assert (day.activities, day.people_served, day.certified_hours) == (2, 40, Decimal(1))
        counts = {
            r.status: r.requests for r in await session.scalars(select(RequestCounts)) if r.requests
        }
        assert counts == {"completed": 1, "cancelled": 1}
    for seed in SEEDS:
        rng = random.Random(seed)
        mixed = shuffled_with_duplicates(history, rng)
        store = await fed(stores, StatsBase.metadata, subscriptions, mixed, rng)
        assert await store.rows() == expected, f"seed {seed}"


@pytest.mark.parametrize(
    ("metadata", "subscriptions"),
    [
        (ActivitiesBase.metadata, activity_handlers.subscriptions(ActivitiesSettings())),
        (RequestsBase.metadata, request_handlers.subscriptions(RequestsSettings())[:1]),
    ],
    ids=["activities", "requests"],
)
async def test_registry_replicas_end_the_same_whatever_the_order(
    stores: list[Store], metadata: MetaData, subscriptions: list[Subscription]
) -> None:
    history = registry_history()
    expected = await (await fed(stores, metadata, subscriptions, history)).rows()
    assert ("orange", "橙色志愿", 2) in expected.get("categories", [("orange", "橙色志愿", 2)])
    for seed in SEEDS:
        rng = random.Random(seed)
        mixed = shuffled_with_duplicates(history, rng)
        store = await fed(stores, metadata, subscriptions, mixed, rng)
        assert await store.rows() == expected, f"seed {seed}"


def _without_version(raw: bytes) -> bytes:
    document = orjson.loads(raw)
    del document["data"]["version"]
    return orjson.dumps(document)


async def test_events_from_before_versions_are_older_than_any(stores: list[Store]) -> None:
    """An event published before its type had a version reads as version 0: applied in
    arrival order among its kind (as before), never over a versioned state."""
    subscriptions = stats_handlers.subscriptions(StatsSettings())[:1]
    named = [
        _without_version(_event(registry.CategoryDefined(code="red", name=name), "red", "*"))
        for name in ("红", "红色")
    ]
    store = await fed(stores, StatsBase.metadata, subscriptions, named)
    async with store.sessionmaker() as session:
        assert (await session.get(Category, "red")).name == "红色"  # type: ignore[union-attr]
    renamed = _event(registry.CategoryDefined(code="red", name="红色先锋", version=3), "red", "*")
    await deliver(store, subscriptions[0], [renamed, *named])
    async with store.sessionmaker() as session:
        red = await session.get(Category, "red")
        assert red is not None and (red.name, red.version) == ("红色先锋", 3)
    # A membership from before versions, then a versioned leave and the old join again.
    joined = _without_version(_member(registry.TeamMemberJoined, T1, A, 1))
    await deliver(store, subscriptions[0], [joined])
    left = _member(registry.TeamMemberLeft, T1, A, 2)
    await deliver(store, subscriptions[0], [left, joined, _without_version(left)])
    async with store.sessionmaker() as session:
        member = await session.get(TeamMember, (uuid.UUID(T1), uuid.UUID(A)))
        assert member is not None and (member.member, member.version) == (False, 2)


async def test_a_branch_keeps_its_newest_name(stores: list[Store]) -> None:
    """Branch events apply by version: an older one, late or repeated, changes nothing."""
    subscriptions = stats_handlers.subscriptions(StatsSettings())[:1]
    registered = _branch(registry.BranchRegistered, "chengnan", 1)
    renamed = _branch(registry.BranchChanged, "chengnan", 2, name="城南社区大支部")
    again = _branch(registry.BranchChanged, "chengnan", 3, name="城南大支部")
    store = await fed(stores, StatsBase.metadata, subscriptions, [renamed, registered])
    async with store.sessionmaker() as session:
        kept = await session.get(Branch, "chengnan")
        assert kept is not None and (kept.name, kept.version) == ("城南社区大支部", 2)
    # Sent again (new event ids, so not taken for duplicates): in one batch, the newest
    # wins whatever its place, and older ones after it change nothing.
    older = (
        _branch(registry.BranchChanged, "chengnan", 2, name="城南社区大支部"),
        _branch(registry.BranchRegistered, "chengnan", 1),
    )
    await deliver(store, subscriptions[0], [older[0], again, *older])
    await deliver(store, subscriptions[0], list(older))
    async with store.sessionmaker() as session:
        kept = await session.get(Branch, "chengnan")
        assert kept is not None and (kept.name, kept.version) == ("城南大支部", 3)


# -- ported from the integration suite: the same checks, in memory ------------------------


async def test_duplicate_and_out_of_order_activity_events(stores: list[Store]) -> None:
    verified = _activity(activities.ActivityVerified, 2, "verified", 2, verified_by="x")
    logged = _activity(activities.ActivityLogged, 2, "logged", 1)
    subscriptions = stats_handlers.subscriptions(StatsSettings())
    store = await fed(stores, StatsBase.metadata, subscriptions, [verified, logged])
    for subscription in subscriptions:  # the same message twice more, in one batch
        await deliver(store, subscription, [verified, verified])
    async with store.sessionmaker() as session:
        day = (await session.scalars(select(DailyFigures))).one()
        assert (day.activities, day.people_served) == (1, 20)
        assert (day.volunteer_hours, day.certified_hours) == (Decimal(2), Decimal(2))


async def test_registry_events_in_any_order_count_members_once(stores: list[Store]) -> None:
    """Reactivation and a team changing color, sent out of order and twice."""
    joined = _member(registry.TeamMemberJoined, T1, A, 2)
    messages = [
        joined,
        _team(registry.TeamUpdated, T1, "green", 3),
        _volunteer(registry.VolunteerDeactivated, A, 2, active=False),
        _team(registry.TeamRegistered, T1, "orange", 1),
        _volunteer(registry.VolunteerUpdated, A, 3),
        _volunteer(registry.VolunteerRegistered, A, 1),
        joined,
        _volunteer(registry.VolunteerDeactivated, A, 2, active=False),
    ]
    subscriptions = stats_handlers.subscriptions(StatsSettings())[:1]
    store = await fed(stores, StatsBase.metadata, subscriptions, messages)
    async with store.sessionmaker() as session:
        volunteers = await session.get(CommunityVolunteers, HERE)
        assert volunteers is not None and (volunteers.volunteers, volunteers.party_members) == (
            1,
            1,
        )
        members = dict(
            (await session.execute(select(CategoryMembers.category, CategoryMembers.members))).all()
        )
        assert members.get("orange", 0) == 0 and members["green"] == 1
