"""A volunteer's PIPL rights in the registry: what it holds on them, and erasing it.

Like `domain`, functions work in the session they are given and never commit; the
route's unit of work commits the change with its events, an export with its audit
record. The rules of erasure (what goes, what stays) are `lifecycle.erase_volunteer`
and `lifecycle.scrub_logged_event`, plain functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import events as ev
from services.registry import lifecycle as lc
from services.registry.models import LifeEvent, ResidentUnit, Team, TeamMember, Volunteer
from services.registry.outbox import OUTBOX
from shared.auth import Principal
from shared.db import utcnow
from shared.personal_data import (
    require_eraser,
    rewrite_logged_events,
    volunteer_to_export,
)
from shared.scoping import get_in_scope

# The registry's logged events that may name a volunteer.
NAMING_EVENTS = (*lc.STATE_EVENTS, ev.PartyMemberLifeEventRecorded.event_type)


@dataclass(frozen=True)
class HeldOnVolunteer:
    """What the registry holds on one volunteer."""

    volunteer: Volunteer
    memberships: Sequence[TeamMember]
    teams: Sequence[Team]
    unit: ResidentUnit | None
    life_events: Sequence[LifeEvent]


async def export_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> HeldOnVolunteer:
    """Everything on the volunteer, for the community's admins and the volunteer themself
    (404 outside the token's communities, 403 for anyone else); the export is audited."""
    volunteer = await volunteer_to_export(session, Volunteer, volunteer_id, principal)
    memberships = (
        await session.scalars(
            select(TeamMember)
            .where(TeamMember.volunteer_id == volunteer.id)
            .order_by(TeamMember.team_id)
        )
    ).all()
    member_of = [m.team_id for m in memberships]
    teams = (
        await session.scalars(
            select(Team)
            .where(Team.id.in_(member_of) | (Team.leader_volunteer_id == volunteer.id))
            .order_by(Team.id)
        )
    ).all()
    unit = await session.get(ResidentUnit, volunteer.unit_id) if volunteer.unit_id else None
    life_events = (
        await session.scalars(
            select(LifeEvent).where(LifeEvent.volunteer_id == volunteer.id).order_by(LifeEvent.id)
        )
    ).all()
    held = HeldOnVolunteer(volunteer, memberships, teams, unit, life_events)
    audit = ev.VolunteerPersonalDataExported(
        subject_id=str(volunteer.id),
        community_id=volunteer.community_id,
        counts={
            "volunteer": 1,
            "teams": len(teams),
            "unit": 1 if unit is not None else 0,
            "life_events": len(life_events),
        },
    )
    await OUTBOX.record(session, audit, community=volunteer.community_id, subject=str(volunteer.id))
    return held


async def erase_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str, reason: str
) -> Volunteer:
    """Anonymise the volunteer in place (the community's admins): the record, the notes of
    their life events, and the events the registry logged about them. The erasure's event
    tells every replica. Erasing an erased volunteer answers it as it is."""
    volunteer = await get_in_scope(
        session, Volunteer, volunteer_id, principal, "volunteer", for_update=True
    )
    require_eraser(principal, volunteer.community_id)
    state, erased = lc.erase_volunteer(lc.VolunteerState.of(volunteer), reason=reason, at=utcnow())
    if erased is None:
        return volunteer
    state.write_to(volunteer)
    await session.execute(
        update(LifeEvent).where(LifeEvent.volunteer_id == volunteer.id).values(note=None)
    )
    await rewrite_logged_events(
        session,
        community=state.community_id,
        mentions=str(state.id),
        types=NAMING_EVENTS,
        scrub=lc.scrub_logged_event(state),
    )
    await OUTBOX.record(session, erased, community=state.community_id, subject=str(state.id))
    return volunteer
