"""How stats applies other services' events to its projections. Each handler is
safe to run twice and in any order (state events carry a version)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import events as registry
from services.stats.models import Category, Community, Team, TeamMember, Volunteer
from shared.consumer import Handler
from shared.db import upsert
from shared.events import Event
from shared.service import Subscription


async def on_community_created(
    session: AsyncSession, event: Event[registry.CommunityCreated]
) -> None:
    data = event.data
    await upsert(
        session,
        Community.__table__,
        [{"id": data.community_id, "name": data.name, "branch": data.branch}],
        key=["id"],
    )


async def on_category_defined(
    session: AsyncSession, event: Event[registry.CategoryDefined]
) -> None:
    data = event.data
    await upsert(
        session,
        Category.__table__,
        [
            {
                "code": data.code,
                "name": data.name,
                "description": data.description_text,
                "position": data.position,
            }
        ],
        key=["code"],
    )


async def on_volunteer_state(session: AsyncSession, event: Event[registry.VolunteerState]) -> None:
    data = event.data
    row = {
        "id": uuid.UUID(data.volunteer_id),
        "community_id": data.community_id,
        "name": data.name,
        "is_party_member": data.is_party_member,
        "active": data.active,
        "version": data.version,
    }
    await upsert(session, Volunteer.__table__, [row], key=["id"], newer_than="version")


async def on_team_state(session: AsyncSession, event: Event[registry.TeamState]) -> None:
    data = event.data
    row = {
        "id": uuid.UUID(data.team_id),
        "community_id": data.community_id,
        "category": data.category,
        "name": data.name,
        "status": data.status,
        "version": data.version,
    }
    await upsert(session, Team.__table__, [row], key=["id"], newer_than="version")


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
    registry.CommunityCreated.event_type: on_community_created,
    registry.CategoryDefined.event_type: on_category_defined,
    registry.VolunteerRegistered.event_type: on_volunteer_state,
    registry.VolunteerUpdated.event_type: on_volunteer_state,
    registry.VolunteerDeactivated.event_type: on_volunteer_state,
    registry.TeamRegistered.event_type: on_team_state,
    registry.TeamUpdated.event_type: on_team_state,
    registry.TeamMemberJoined.event_type: on_member_joined,
    registry.TeamMemberLeft.event_type: on_member_left,
}

SUBSCRIPTIONS: list[Subscription] = [
    Subscription(
        name="projections",
        topics=[registry.TOPIC],
        handlers=REGISTRY_HANDLERS,
        catalog=registry.CATALOG,
    ),
]
