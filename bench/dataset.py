"""Synthetic but realistic event streams: registry state events and an activity mix.

The events are real CloudEvents envelopes, built with the services' own event
models and `shared.events.new_event`, exactly as the outbox records them. The
expected figures are worked out alongside, so a benchmark can tell when the
stats projections are complete and check that they are exact.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import NamedTuple

from services.activities import events as activities
from services.registry import events as registry
from services.registry.categories import SEVEN_COLORS
from shared.events import EventData, new_event

CST = timezone(timedelta(hours=8))
KINDS = {
    "red": "policy_talk",
    "orange": "care_visit",
    "gold": "training",
    "green": "sanitation_drive",
    "cyan": "safety_patrol",
    "blue": "safety_patrol",
    "purple": "daily_service",
}
HOURS = (1.0, 1.5, 2.0, 2.5, 3.0)


class Message(NamedTuple):
    """One Kafka message as the outbox relay sends it: keyed by community. A tuple: a
    million of them are made in half a second when read back from the cache."""

    topic: str
    type: str
    key: bytes
    value: bytes


@dataclass
class Expected:
    """The figures stats must show once every event is applied."""

    registry_events: int = 0
    activity_events: int = 0
    volunteers: int = 0
    teams: int = 0
    activities: int = 0
    people_served: int = 0
    volunteer_hours: Decimal = Decimal(0)
    certified_hours: Decimal = Decimal(0)

    @property
    def events(self) -> int:
        return self.registry_events + self.activity_events

    def figures(self) -> dict[str, float]:
        return {
            "volunteers": self.volunteers,
            "teams": self.teams,
            "activities": self.activities,
            "people_served": self.people_served,
            "volunteer_hours": float(self.volunteer_hours),
            "certified_hours": float(self.certified_hours),
        }


@dataclass
class World:
    """Communities with one team of each color and their volunteers."""

    communities: list[str]
    teams: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    volunteers: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Dataset:
    world: World
    registry: list[Message]
    activities: list[Message]
    expected: Expected

    @property
    def messages(self) -> list[Message]:
        return self.registry + self.activities


def _message(topic: str, source: str, community: str, subject: str, data: EventData) -> Message:
    envelope = new_event(data, source=source, community=community, subject=subject, actor="bench")
    # A copy of its exact size: orjson's bytes keep ~7.7 KB allocated for a ~900 B event,
    # which made a million of them take 8 GB while the rebuild's events were generated.
    return Message(topic, envelope.type, community.encode(), bytes(memoryview(envelope.to_json())))


def build_world(communities: int, volunteers_per_community: int, prefix: str = "b") -> World:
    world = World([f"{prefix}{i:03d}" for i in range(communities)])
    for community in world.communities:
        world.teams[community] = [(str(uuid.uuid4()), code) for code, _, _ in SEVEN_COLORS]
        world.volunteers[community] = [str(uuid.uuid4()) for _ in range(volunteers_per_community)]
    return world


def registry_messages(world: World) -> list[Message]:
    """Categories, communities, teams, volunteers and memberships, as the registry sends them."""
    source, topic = "/qise/registry", registry.TOPIC
    out: list[Message] = []
    first = world.communities[0]
    for position, (code, name, description) in enumerate(SEVEN_COLORS):
        data = registry.CategoryDefined(
            code=code, name=name, description=description, position=position, version=1
        )
        out.append(_message(topic, source, first, code, data))
    for index, community in enumerate(world.communities):
        branch = f"第{index % 4 + 1}大支部"
        created = registry.CommunityCreated(
            community_id=community, name=f"社区{community}", branch=branch, version=1
        )
        out.append(_message(topic, source, community, community, created))
        for team_id, category in world.teams[community]:
            team = registry.TeamRegistered(
                team_id=team_id, community_id=community, category=category, name=f"{category}队"
            )
            out.append(_message(topic, source, community, team_id, team))
        teams = world.teams[community]
        # Each join is a change of its team: the team's version climbs by one.
        versions = {team_id: 1 for team_id, _ in teams}
        for number, volunteer_id in enumerate(world.volunteers[community]):
            volunteer = registry.VolunteerRegistered(
                volunteer_id=volunteer_id,
                community_id=community,
                name=f"志愿者{number}",
                phone_masked="138****5678",
                is_party_member=number % 3 == 0,
            )
            out.append(_message(topic, source, community, volunteer_id, volunteer))
            team_id = teams[number % len(teams)][0]
            versions[team_id] += 1
            joined = registry.TeamMemberJoined(
                team_id=team_id, volunteer_id=volunteer_id, version=versions[team_id]
            )
            out.append(_message(topic, source, community, volunteer_id, joined))
    return out


@dataclass
class _Activity:
    id: str
    community: str
    team_id: str
    category: str
    day: date
    people_served: int
    hours: list[tuple[str, float]]
    status: str = "logged"
    version: int = 1


def _activity_event(a: _Activity, event: type[activities.ActivityState]) -> EventData:
    started = datetime.combine(a.day, datetime.min.time(), CST).replace(hour=9)
    extra: dict[str, str] = {}
    if event is activities.ActivityVerified:
        extra = {"verified_by": "bench"}
    elif event is activities.ActivityVoided:
        extra = {"voided_by": "bench", "reason": "重复登记"}
    return event(
        activity_id=a.id,
        community_id=a.community,
        team_id=a.team_id,
        category=a.category,
        kind=KINDS[a.category],
        title="社区志愿服务活动",
        started_at=started,
        ended_at=started + timedelta(hours=3),
        location="社区服务中心",
        people_served=a.people_served,
        beneficiaries={"elderly": a.people_served // 2},
        outputs={"brochures": 20},
        participants=[activities.ParticipantHours(volunteer_id=v, hours=h) for v, h in a.hours],
        status=a.status,
        version=a.version,
        **extra,
    )


def activity_messages(
    world: World, count: int, rng: random.Random, today: date, days: int = 1095
) -> tuple[list[Message], dict[str, _Activity]]:
    """`count` activity events: every activity logged; about half later verified, a tenth voided.

    Follow-ups (verify, void) come some way after the activity's own logged event,
    in the same partition (keyed by community), as they would in production.
    """
    source, topic = "/qise/activities", activities.TOPIC
    out: list[Message] = []
    final: dict[str, _Activity] = {}
    pending: deque[tuple[_Activity, type[activities.ActivityState]]] = deque()
    while len(out) < count:
        if pending and (rng.random() < 0.4 or len(pending) > 1000):
            activity, kind = pending.popleft()
            if kind is activities.ActivityVerified and activity.status != "logged":
                continue
            activity.version += 1
            activity.status = "verified" if kind is activities.ActivityVerified else "voided"
            data = _activity_event(activity, kind)
        else:
            community = rng.choice(world.communities)
            team_id, category = rng.choice(world.teams[community])
            people = rng.sample(world.volunteers[community], rng.randint(1, 4))
            activity = _Activity(
                id=str(uuid.uuid4()),
                community=community,
                team_id=team_id,
                category=category,
                day=today - timedelta(days=rng.randrange(days)),
                people_served=rng.randint(0, 60),
                hours=[(v, rng.choice(HOURS)) for v in people],
            )
            final[activity.id] = activity
            if rng.random() < 0.5:
                pending.append((activity, activities.ActivityVerified))
            if rng.random() < 0.1:
                pending.append((activity, activities.ActivityVoided))
            data = _activity_event(activity, activities.ActivityLogged)
        out.append(_message(topic, source, activity.community, activity.id, data))
    return out, final


def build(
    events: int, *, communities: int = 20, seed: int = 7, today: date | None = None
) -> Dataset:
    """About `events` events in all: a tenth registry events, the rest activity events."""
    rng = random.Random(seed)
    per_community = max(2, events // 20 // communities)
    world = build_world(communities, per_community)
    registry_part = registry_messages(world)
    activity_part, final = activity_messages(
        world,
        max(events - len(registry_part), 1),
        rng,
        today or datetime.now(CST).date(),
    )
    expected = Expected(
        registry_events=len(registry_part),
        activity_events=len(activity_part),
        volunteers=sum(len(v) for v in world.volunteers.values()),
        teams=sum(len(t) for t in world.teams.values()),
    )
    for activity in final.values():
        if activity.status == "voided":
            continue
        hours = sum((Decimal(str(h)) for _, h in activity.hours), Decimal(0))
        expected.activities += 1
        expected.people_served += activity.people_served
        expected.volunteer_hours += hours
        if activity.status == "verified":
            expected.certified_hours += hours
    return Dataset(world, registry_part, activity_part, expected)
