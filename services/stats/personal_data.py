"""A volunteer's part of a PIPL export in stats: the replica it keeps and their hours.

Stats keeps a volunteer's name (for the leaderboard) only as the registry reports it: the
registry's `qise.volunteer.erased.v1` replaces it with the placeholder, and every count
stays, since none depends on who the person is. Stats has no outbox, so no audit log of
its own: the registry's log records each export and erasure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.stats.models import Activity, ActivityHours, TeamMember, Volunteer, VolunteerHours
from shared.auth import Principal
from shared.personal_data import volunteer_to_export


@dataclass(frozen=True)
class HeldOnVolunteer:
    volunteer: Volunteer
    totals: VolunteerHours | None
    hours: Sequence[tuple[ActivityHours, str | None, date | None]]
    memberships: Sequence[TeamMember]


async def volunteer_figures(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> HeldOnVolunteer:
    """What stats keeps on the volunteer, for the community's admins and the volunteer
    themself (404 outside the token's communities or before the registry's news came,
    403 for anyone else)."""
    volunteer = await volunteer_to_export(session, Volunteer, volunteer_id, principal)
    totals = await session.get(VolunteerHours, volunteer.id)
    hours = [
        (entry, title, day)
        for entry, title, day in await session.execute(
            select(ActivityHours, Activity.title, Activity.day)
            .outerjoin(Activity, Activity.id == ActivityHours.activity_id)
            .where(ActivityHours.volunteer_id == volunteer.id)
            .order_by(Activity.day, ActivityHours.activity_id)
        )
    ]
    memberships = (
        await session.scalars(
            select(TeamMember)
            .where(TeamMember.volunteer_id == volunteer.id)
            .order_by(TeamMember.team_id)
        )
    ).all()
    return HeldOnVolunteer(volunteer, totals, hours, memberships)
