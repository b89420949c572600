"""How stats applies the other services' events to its projections. Every handler
is safe to run twice and in any order (state events carry a version)."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from services.activities import events as activities
from services.registry import events as registry
from services.requests import events as requests
from services.stats.models import (
    CareTask,
    Category,
    Community,
    Request,
    Team,
    TeamMember,
    Volunteer,
)
from services.stats.projections import project_activities
from services.stats.settings import StatsSettings
from shared.consumer import BatchHandler, Handler
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

_request_state = replicate(Request, id="request_id")
_care_task_state = replicate(CareTask, id="care_task_id")

REQUEST_HANDLERS: dict[str, Handler] = {
    **{
        event.event_type: _request_state
        for event in (
            requests.RequestSubmitted,
            requests.RequestAssigned,
            requests.RequestAccepted,
            requests.RequestCompleted,
            requests.RequestRated,
            requests.RequestCancelled,
            requests.RequestOverdue,
        )
    },
    **{
        event.event_type: _care_task_state
        for event in (
            requests.CareTaskCreated,
            requests.CareTaskCompleted,
            requests.CareTaskOverdue,
        )
    },
}


def activity_projector(zone: ZoneInfo) -> BatchHandler:
    async def apply(session: AsyncSession, events: list[Event[Any]]) -> None:
        await project_activities(session, events, zone)

    return apply


# The consumer names; `as_of` is the newest event any of them applied.
CONSUMERS = ("registry", "activities", "requests")


def subscriptions(settings: StatsSettings) -> list[Subscription]:
    return [
        subscribe("registry", [registry.TOPIC], registry.CATALOG, REGISTRY_HANDLERS),
        Subscription(
            name="activities",
            topics=[activities.TOPIC],
            catalog=activities.CATALOG,
            # Kinds and certificates are in the catalog too, but count for nothing here.
            types=frozenset(
                e.event_type
                for e in (
                    activities.ActivityLogged,
                    activities.ActivityVerified,
                    activities.ActivityVoided,
                )
            ),
            apply=activity_projector(ZoneInfo(settings.timezone)),
        ),
        subscribe("requests", [requests.TOPIC], requests.CATALOG, REQUEST_HANDLERS),
    ]
