"""PIPL rights in requests: a volunteer's part of an export, and residents' export and
erasure by phone number, on request or by the retention rule.

Like `domain`, functions work in the session they are given and never commit. Residents'
names, phones and addresses never left this service (events carry none), so erasing them
changes no event and no count: the rows keep everything else, and the audit log records
the erasure by the records' ids. What erasing removes is `lifecycle.ORDER_RESIDENT_ERASED`
and `lifecycle.CARE_RECIPIENT_ERASED`.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.requests import events as ev
from services.requests import lifecycle as lc
from services.requests.models import (
    CareRecipient,
    CareTask,
    CareVisit,
    RequestHistory,
    ServiceRequest,
    Team,
    TeamMember,
    Volunteer,
)
from services.requests.outbox import OUTBOX
from services.requests.personal_data_schemas import ResidentEraseIn, ResidentLookup
from shared.auth import ADMINS, Principal
from shared.ids import new_id
from shared.personal_data import ERASED_VOLUNTEER_NAME, volunteer_to_export

# How many orders one retention round anonymises at most: the next round goes on.
RETENTION_BATCH = 500


# -- a volunteer ----------------------------------------------------------------------


@dataclass(frozen=True)
class HeldOnVolunteer:
    volunteer: Volunteer
    memberships: Sequence[tuple[TeamMember, str | None]]
    care_tasks: Sequence[CareTask]
    visits: Sequence[CareVisit]
    actions: Sequence[RequestHistory]


async def export_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> HeldOnVolunteer:
    """Everything on the volunteer, for the community's admins and the volunteer themself
    (404 outside the token's communities, 403 for anyone else); the export is audited."""
    volunteer = await volunteer_to_export(session, Volunteer, volunteer_id, principal)
    memberships = [
        (membership, name)
        for membership, name in await session.execute(
            select(TeamMember, Team.name)
            .outerjoin(Team, Team.id == TeamMember.team_id)
            .where(TeamMember.volunteer_id == volunteer.id)
            .order_by(TeamMember.team_id)
        )
    ]
    care_tasks = (
        await session.scalars(
            select(CareTask).where(CareTask.volunteer_id == volunteer.id).order_by(CareTask.id)
        )
    ).all()
    visits = (
        await session.scalars(
            select(CareVisit).where(CareVisit.volunteer_id == volunteer.id).order_by(CareVisit.id)
        )
    ).all()
    actions = (
        await session.scalars(
            select(RequestHistory)
            .where(RequestHistory.actor == str(volunteer.id))
            .order_by(RequestHistory.at, RequestHistory.id)
        )
    ).all()
    audit = ev.VolunteerRecordsPersonalDataExported(
        subject_id=str(volunteer.id),
        community_id=volunteer.community_id,
        counts={
            "teams": len(memberships),
            "care_tasks": len(care_tasks),
            "visits": len(visits),
            "order_actions": len(actions),
        },
    )
    await OUTBOX.record(session, audit, community=volunteer.community_id, subject=str(volunteer.id))
    return HeldOnVolunteer(volunteer, memberships, care_tasks, visits, actions)


async def forget_volunteer_name(session: AsyncSession, volunteer_id: uuid.UUID) -> None:
    """The registry erased a volunteer: their care tasks no longer name them, nor keep the
    notes about them (the replica row takes the erased state as any state event)."""
    await session.execute(
        update(CareTask)
        .where(CareTask.volunteer_id == volunteer_id)
        .values(volunteer_name=ERASED_VOLUNTEER_NAME, note=None)
        .execution_options(synchronize_session=False)
    )


# -- a resident, by phone number ------------------------------------------------------


@dataclass(frozen=True)
class HeldOnResident:
    community_id: str
    orders: Sequence[ServiceRequest]
    history: dict[uuid.UUID, list[RequestHistory]]
    recipients: Sequence[CareRecipient]
    visits: dict[uuid.UUID, list[CareVisit]]
    export_id: uuid.UUID = field(default_factory=new_id)


def _require_resident_admin(principal: Principal, community_id: str, *, write: bool) -> None:
    """The community's admins: 404 for a community the token does not see (reading), 403
    for one it does not reach (erasing) and for any other role."""
    if write:
        principal.require_write(community_id)
    else:
        principal.require_read(community_id, "community")
    principal.require_role(*ADMINS)


T = TypeVar("T", ServiceRequest, CareRecipient)


async def _rows(session: AsyncSession, query: Select[T], *, for_update: bool) -> Sequence[T]:
    if for_update:
        # Locked: an order moving meanwhile waits, then finds the resident gone.
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(query)).all()


async def _records_of(
    session: AsyncSession, lookup: ResidentLookup, *, for_update: bool = False
) -> tuple[Sequence[ServiceRequest], Sequence[CareRecipient]]:
    """The resident's orders and care-register records: theirs is the phone in the community."""
    orders = (
        select(ServiceRequest)
        .where(
            ServiceRequest.community_id == lookup.community_id,
            ServiceRequest.resident_phone == lookup.phone,
        )
        .order_by(ServiceRequest.submitted_at, ServiceRequest.id)
    )
    people = (
        select(CareRecipient)
        .where(
            CareRecipient.community_id == lookup.community_id, CareRecipient.phone == lookup.phone
        )
        .order_by(CareRecipient.registered_at, CareRecipient.id)
    )
    return (
        await _rows(session, orders, for_update=for_update),
        await _rows(session, people, for_update=for_update),
    )


async def export_resident(
    session: AsyncSession, principal: Principal, lookup: ResidentLookup
) -> HeldOnResident:
    """The orders and care-register records of the resident with this phone in this
    community, with their history and visits (its admins); the export is audited by the
    records' ids."""
    _require_resident_admin(principal, lookup.community_id, write=False)
    orders, recipients = await _records_of(session, lookup)
    history: dict[uuid.UUID, list[RequestHistory]] = defaultdict(list)
    if orders:
        for line in await session.scalars(
            select(RequestHistory)
            .where(RequestHistory.request_id.in_([o.id for o in orders]))
            .order_by(RequestHistory.at, RequestHistory.id)
        ):
            history[line.request_id].append(line)
    visits: dict[uuid.UUID, list[CareVisit]] = defaultdict(list)
    if recipients:
        for visit in await session.scalars(
            select(CareVisit)
            .where(CareVisit.care_recipient_id.in_([r.id for r in recipients]))
            .order_by(CareVisit.visited_on, CareVisit.id)
        ):
            visits[visit.care_recipient_id].append(visit)
    held = HeldOnResident(lookup.community_id, orders, history, recipients, visits)
    audit = ev.ResidentPersonalDataExported(
        subject_id=str(held.export_id),
        community_id=lookup.community_id,
        counts={"orders": len(orders), "care_recipients": len(recipients)},
        request_ids=[str(o.id) for o in orders],
        care_recipient_ids=[str(r.id) for r in recipients],
    )
    await OUTBOX.record(session, audit, community=lookup.community_id, subject=str(held.export_id))
    return held


@dataclass(frozen=True)
class Erasure:
    erasure_id: uuid.UUID
    community_id: str
    request_ids: list[uuid.UUID]
    care_recipient_ids: list[uuid.UUID]
    at: datetime


async def _anonymise(
    session: AsyncSession,
    community_id: str,
    request_ids: list[uuid.UUID],
    recipient_ids: list[uuid.UUID],
    *,
    at: datetime,
    reason: str,
    retention: bool,
) -> Erasure:
    """Remove the resident from these orders and care records, and audit it: one event,
    naming the records by id."""
    if request_ids:
        await session.execute(
            update(ServiceRequest)
            .where(ServiceRequest.id.in_(request_ids))
            .values(**lc.ORDER_RESIDENT_ERASED, resident_erased_at=at)
            .execution_options(synchronize_session=False)
        )
    if recipient_ids:
        await session.execute(
            update(CareRecipient)
            .where(CareRecipient.id.in_(recipient_ids))
            .values(**lc.CARE_RECIPIENT_ERASED, erased_at=at)
            .execution_options(synchronize_session=False)
        )
        # A visit's note is about the person visited.
        await session.execute(
            update(CareVisit)
            .where(CareVisit.care_recipient_id.in_(recipient_ids))
            .values(note=None)
            .execution_options(synchronize_session=False)
        )
    erasure = Erasure(new_id(), community_id, request_ids, recipient_ids, at)
    audit = ev.ResidentErased(
        erasure_id=str(erasure.erasure_id),
        community_id=community_id,
        request_ids=[str(i) for i in request_ids],
        care_recipient_ids=[str(i) for i in recipient_ids],
        reason=reason,
        retention=retention,
    )
    await OUTBOX.record(session, audit, community=community_id, subject=str(erasure.erasure_id))
    return erasure


async def erase_resident(
    session: AsyncSession, principal: Principal, command: ResidentEraseIn, at: datetime
) -> Erasure:
    """Anonymise the resident with this phone in this community (its admins): their orders
    and care records keep everything but who they are. Erasing again finds nobody (the
    phone is gone) and changes nothing; each request is audited all the same."""
    _require_resident_admin(principal, command.community_id, write=True)
    orders, recipients = await _records_of(session, command, for_update=True)
    return await _anonymise(
        session,
        command.community_id,
        [o.id for o in orders],
        [r.id for r in recipients],
        at=at,
        reason=command.reason,
        retention=False,
    )


async def apply_retention(
    session: AsyncSession, now: datetime, months: int, *, batch: int = RETENTION_BATCH
) -> list[Erasure]:
    """Anonymise the residents of orders completed or cancelled more than `months` months
    before `now`, and of care that ended then; one audited erasure per community. Rows
    another transaction holds are left for the next round (several replicas may run it)."""
    cutoff = lc.retention_cutoff(now, months)
    if cutoff is None:
        return []
    closed_long_ago = select(RequestHistory.request_id).where(
        RequestHistory.action.in_(lc.CLOSING_MOVES), RequestHistory.at < cutoff
    )
    orders = (
        await session.execute(
            select(ServiceRequest.id, ServiceRequest.community_id)
            .where(
                ServiceRequest.status.in_(("completed", "cancelled")),
                ServiceRequest.resident_erased_at.is_(None),
                ServiceRequest.id.in_(closed_long_ago),
            )
            .order_by(ServiceRequest.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    recipients = (
        await session.execute(
            select(CareRecipient.id, CareRecipient.community_id)
            .where(
                CareRecipient.status == "ended",
                CareRecipient.erased_at.is_(None),
                CareRecipient.ended_on < cutoff.date(),
            )
            .order_by(CareRecipient.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    ).all()
    by_community: dict[str, tuple[list[uuid.UUID], list[uuid.UUID]]] = defaultdict(lambda: ([], []))
    for order_id, community_id in orders:
        by_community[community_id][0].append(order_id)
    for recipient_id, community_id in recipients:
        by_community[community_id][1].append(recipient_id)
    reason = f"retention: closed more than {months} months ago"
    return [
        await _anonymise(
            session, community, request_ids, recipient_ids, at=now, reason=reason, retention=True
        )
        for community, (request_ids, recipient_ids) in sorted(by_community.items())
    ]
