"""How stats applies other services' events to its projections. Each handler is
safe to run twice and in any order (state events carry a version)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import events as registry
from services.stats.models import Category, Community, Team, TeamMember, Volunteer
from services.stats.settings import StatsSettings
from shared.consumer import Handler
from shared.db import upsert
from shared.events import Event
from shared.replica import replicate
from shared.service import Subscription, subscribe


async def on_member_joined(session: AsyncSession, event: Event[registry.TeamMemberJoined]) -> None:
    row = {
        "team_id": uuid.UUID(event.data.team_id),
        "volunteer_id": uuid.UUID(event.data.volunteer_id),
    }
    await upsert(session, TeamMember.__table__, [row], key=["team_id", "volunteer_id"])


async def on_member_left(session: AsyncSession, event: Event[registry.TeamMemberLeft]) -> None:
    await session.execute(
        delete(TeamMember).where(
            TeamMember.team_id == uuid.UUID(event.data.team_id),
            TeamMember.volunteer_id == uuid.UUID(event.data.volunteer_id),
        )
    )


REGISTRY_HANDLERS: dict[str, Handler] = {
    registry.CommunityCreated.event_type: replicate(Community, id="community_id"),
    registry.CategoryDefined.event_type: replicate(Category),
    registry.VolunteerRegistered.event_type: replicate(Volunteer, id="volunteer_id"),
    registry.VolunteerUpdated.event_type: replicate(Volunteer, id="volunteer_id"),
    registry.VolunteerDeactivated.event_type: replicate(Volunteer, id="volunteer_id"),
    registry.TeamRegistered.event_type: replicate(Team, id="team_id"),
    registry.TeamUpdated.event_type: replicate(Team, id="team_id"),
    registry.TeamMemberJoined.event_type: on_member_joined,
    registry.TeamMemberLeft.event_type: on_member_left,
}


def subscriptions(settings: StatsSettings) -> list[Subscription]:
    return [
        subscribe(
            name="projections",
            topics=[registry.TOPIC],
            handlers=REGISTRY_HANDLERS,
            catalog=registry.CATALOG,
        ),
    ]
