"""Events that requests reacts to: the registry (replica, life events) and the
county platform's inbound requests."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import events as registry
from services.registry.replicas import membership_row
from services.requests import domain, personal_data
from services.requests import events as ev
from services.requests.lifecycle import Sla
from services.requests.models import CareTask, Community, Team, TeamMember, Volunteer
from services.requests.schemas import RequestIn
from services.requests.settings import RequestsSettings
from shared.auth import ACTOR
from shared.consumer import Handler
from shared.db import upsert
from shared.events import Event
from shared.replica import replica_handlers
from shared.service import Subscription, subscribe


def on_life_event(settings: RequestsSettings) -> Handler:
    async def create_care_task(
        session: AsyncSession, event: Event[registry.PartyMemberLifeEventRecorded]
    ) -> None:
        data = event.data
        life_event_id = uuid.UUID(data.life_event_id)
        if await session.scalar(select(CareTask.id).where(CareTask.life_event_id == life_event_id)):
            return
        recorded_on = event.time.astimezone(ZoneInfo(settings.timezone)).date()
        await domain.create_care_task(
            session,
            community_id=event.community,
            volunteer_id=uuid.UUID(data.volunteer_id),
            volunteer_name=data.volunteer_name,
            reason=data.kind,
            due_on=recorded_on + timedelta(days=settings.care_due_days),
            life_event_id=life_event_id,
        )

    return create_care_task


def on_county_request(settings: RequestsSettings) -> Handler:
    sla = Sla(
        timedelta(hours=settings.sla_urgent_hours), timedelta(hours=settings.sla_normal_hours)
    )

    async def submit(session: AsyncSession, event: Event[Any]) -> None:
        body = event.data.model_dump()
        body["channel"] = "county_platform"
        command = RequestIn.model_validate(body)
        author = ACTOR.set("county_platform")
        try:
            await domain.submit_request(
                session, "county_platform", command, sla, inbound_event_id=event.id
            )
        finally:
            ACTOR.reset(author)

    return submit


async def on_membership(session: AsyncSession, event: Event[Any]) -> None:
    """Who is on a team: a join or a leave, the newest of the team's versions winning."""
    await upsert(
        session,
        TeamMember.__table__,
        [membership_row(event)],
        key=["team_id", "volunteer_id"],
        newer_than="version",
    )


REPLICA_HANDLERS = replica_handlers(
    registry.REPLICA, {"community": Community, "team": Team, "volunteer": Volunteer}
)


async def on_volunteer_erased(
    session: AsyncSession, event: Event[registry.VolunteerErased]
) -> None:
    """The replica takes the erased state like any other; the care tasks, which keep the
    name they were made with, forget it too."""
    await REPLICA_HANDLERS[registry.VolunteerErased.event_type](session, event)
    await personal_data.forget_volunteer_name(session, uuid.UUID(event.data.volunteer_id))


def subscriptions(settings: RequestsSettings) -> list[Subscription]:
    return [
        subscribe(
            name="registry",
            topics=[registry.TOPIC],
            handlers={
                **REPLICA_HANDLERS,
                registry.VolunteerErased.event_type: on_volunteer_erased,
                **dict.fromkeys(registry.MEMBERSHIPS, on_membership),
                registry.PartyMemberLifeEventRecorded.event_type: on_life_event(settings),
            },
            catalog=registry.CATALOG,
        ),
        subscribe(
            name="county-inbound",
            topics=[ev.INBOUND_TOPIC],
            handlers={ev.CountyRequestSubmitted.event_type: on_county_request(settings)},
            catalog=ev.INBOUND_CATALOG,
        ),
    ]
