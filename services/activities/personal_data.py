"""A volunteer's PIPL rights in activities: what it holds on them.

Activities keeps a replica of the volunteer (its name comes from the registry's events,
the erased placeholder once the registry erased them), their hours on each activity and
the certificates issued to them. Erasure happens at the registry: its
`qise.volunteer.erased.v1` event replaces the replica's name here; hours, activities and
certificates stay (they carry no personal data but the volunteer's id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activities import events as ev
from services.activities.domain import hours_on_every_activity
from services.activities.models import Activity, Certificate, Volunteer
from services.activities.outbox import OUTBOX
from shared.auth import Principal
from shared.personal_data import volunteer_to_export


@dataclass(frozen=True)
class HeldOnVolunteer:
    volunteer: Volunteer
    participations: Sequence[tuple[Activity, Decimal]]
    certificates: Sequence[Certificate]
    recorded: Sequence[Activity]


async def export_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> HeldOnVolunteer:
    """Everything on the volunteer, for the community's admins and the volunteer themself
    (404 outside the token's communities, 403 for anyone else); the export is audited."""
    volunteer = await volunteer_to_export(session, Volunteer, volunteer_id, principal)
    participations = await hours_on_every_activity(session, volunteer.id)
    certificates = (
        await session.scalars(
            select(Certificate)
            .where(Certificate.volunteer_id == volunteer.id)
            .order_by(Certificate.issued_on, Certificate.number)
        )
    ).all()
    me = str(volunteer.id)
    recorded = (
        await session.scalars(
            select(Activity)
            .where(
                or_(Activity.logged_by == me, Activity.verified_by == me, Activity.voided_by == me)
            )
            .order_by(Activity.started_at, Activity.id)
        )
    ).all()
    audit = ev.VolunteerHoursPersonalDataExported(
        subject_id=me,
        community_id=volunteer.community_id,
        counts={
            "participations": len(participations),
            "certificates": len(certificates),
            "recorded": len(recorded),
        },
    )
    await OUTBOX.record(session, audit, community=volunteer.community_id, subject=me)
    return HeldOnVolunteer(volunteer, participations, certificates, recorded)
