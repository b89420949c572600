"""The care register (关爱对象) applied to the database: registering people under care,
their visit plans and visits, and the overdue ones.

Like `domain`, every function works in the session it is given and never commits; a
change locks its row, asks the pure rule in `care_lifecycle` for the new state and event,
writes the state back and records the event, which names nobody.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.requests import care_lifecycle as rules
from services.requests import domain
from services.requests.care_lifecycle import RecipientState
from services.requests.care_schemas import CareRecipientIn, CareRecipientPatch, CareVisitIn
from services.requests.models import CareRecipient, CareVisit, Community, Team, Volunteer
from services.requests.outbox import OUTBOX
from shared.auth import ADMINS, Principal
from shared.db import utcnow
from shared.errors import Forbidden, Invalid, NotFound, NotYetKnown
from shared.events import EventData
from shared.ids import new_id
from shared.scoping import get_in_scope, get_to_change, scoped

CARE_TEAM_CATEGORY = "orange"


async def _record(session: AsyncSession, state: RecipientState, data: EventData) -> None:
    await OUTBOX.record(session, data, community=state.community_id, subject=str(state.id))


async def _check_team(
    session: AsyncSession, community_id: str, team_id: uuid.UUID | None, *, orange: bool
) -> None:
    """A responsible team is an active orange team of the community; a visiting team is
    any team of it."""
    if team_id is None:
        return
    team = await session.get(Team, team_id)
    if team is None or team.community_id != community_id:
        raise Invalid(f"team {team_id} is not a team of {community_id!r}", field="team_id")
    if orange and team.category != CARE_TEAM_CATEGORY:
        raise Invalid(
            f"the responsible team must be an {CARE_TEAM_CATEGORY} team, not {team.category}",
            field="team_id",
        )
    if orange and team.status != "active":
        raise Invalid("the responsible team is inactive", field="team_id")


async def _check_volunteer(
    session: AsyncSession, community_id: str, volunteer_id: uuid.UUID | None
) -> None:
    if volunteer_id is None:
        return
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.community_id != community_id:
        raise Invalid(
            f"volunteer {volunteer_id} is not a volunteer of {community_id!r}",
            field="volunteer_id",
        )


async def register(
    session: AsyncSession, principal: Principal, command: CareRecipientIn, today: date
) -> CareRecipient:
    principal.require_write(command.community_id)
    principal.require_role(*ADMINS)
    if await session.get(Community, command.community_id) is None:
        raise NotYetKnown(
            f"community {command.community_id!r} is not known here (yet)", field="community_id"
        )
    await _check_team(session, command.community_id, command.team_id, orange=True)
    state, data = rules.register(
        command, recipient_id=new_id(), by=principal.sub, at=utcnow(), today=today
    )
    recipient = CareRecipient(**state.columns())
    session.add(recipient)
    await _record(session, state, data)
    return recipient


async def care_teams_of(session: AsyncSession, principal: Principal) -> frozenset[uuid.UUID] | None:
    """The teams whose people under care a team leader or volunteer may see and visit: the
    teams they lead or are an active member of (none once they left active service); None
    for the roles that see the whole community's register."""
    if principal.role not in domain.SERVING_ROLES:
        return None
    teams = await domain.teams_of(session, principal)
    if teams:
        volunteer = await session.get(Volunteer, uuid.UUID(principal.sub))
        if volunteer is not None and not volunteer.active:
            return frozenset()
    return teams


async def get(session: AsyncSession, principal: Principal, recipient_id: str) -> CareRecipient:
    """A person under care of the caller's communities; for a team leader or volunteer, one
    their team is responsible for (404 otherwise, as for another community's)."""
    recipient = await get_in_scope(
        session, CareRecipient, recipient_id, principal, "care recipient"
    )
    mine = await care_teams_of(session, principal)
    if mine is not None and recipient.team_id not in mine:
        raise NotFound("care recipient not found")
    return recipient


async def change(
    session: AsyncSession, principal: Principal, recipient_id: str, patch: CareRecipientPatch
) -> CareRecipient:
    recipient = await get_to_change(
        session, CareRecipient, recipient_id, principal, "care recipient"
    )
    principal.require_role(*ADMINS)
    if "team_id" in patch.model_fields_set:
        await _check_team(session, recipient.community_id, patch.team_id, orange=True)
    state, data = rules.change(RecipientState.of(recipient), patch)
    state.write_to(recipient)
    if data is not None:
        await _record(session, state, data)
    return recipient


async def end(
    session: AsyncSession, principal: Principal, recipient_id: str, reason: str, today: date
) -> CareRecipient:
    recipient = await get_to_change(
        session, CareRecipient, recipient_id, principal, "care recipient"
    )
    principal.require_role(*ADMINS)
    state, data = rules.end(RecipientState.of(recipient), reason=reason, today=today)
    state.write_to(recipient)
    await _record(session, state, data)
    return recipient


async def log_visit(
    session: AsyncSession,
    principal: Principal,
    recipient_id: str,
    command: CareVisitIn,
    today: date,
) -> tuple[CareRecipient, CareVisit]:
    """A visit, logged by the community's admins or by the responsible team's leader or one
    of its active members (by default the visiting team and volunteer)."""
    recipient = await get_to_change(
        session, CareRecipient, recipient_id, principal, "care recipient"
    )
    team_id, volunteer_id = command.team_id, command.volunteer_id
    if principal.role not in ADMINS:
        mine = await care_teams_of(session, principal) or frozenset()
        if recipient.team_id is None or recipient.team_id not in mine:
            raise Forbidden(
                "only the community's admins or the responsible team's leader and members"
                " may log a visit"
            )
        team_id = team_id or recipient.team_id
        volunteer_id = volunteer_id or uuid.UUID(principal.sub)
    await _check_team(session, recipient.community_id, team_id, orange=False)
    await _check_volunteer(session, recipient.community_id, volunteer_id)
    previous = await session.scalar(
        select(func.max(CareVisit.visited_on)).where(
            CareVisit.care_recipient_id == recipient.id,
            CareVisit.visited_on <= command.visited_on,
        )
    )
    state, visit, data = rules.log_visit(
        RecipientState.of(recipient),
        visit_id=new_id(),
        visited_on=command.visited_on,
        previous_visit=previous,
        team_id=team_id,
        volunteer_id=volunteer_id,
        today=today,
    )
    state.write_to(recipient)
    row = CareVisit(
        id=visit.id,
        care_recipient_id=recipient.id,
        community_id=recipient.community_id,
        visited_on=visit.visited_on,
        due_on=visit.due_on,
        on_time=visit.on_time,
        team_id=visit.team_id,
        volunteer_id=visit.volunteer_id,
        note=command.note,
        recorded_by=principal.sub,
    )
    session.add(row)
    await _record(session, state, data)
    return recipient, row


def visits_of(recipient: CareRecipient) -> Select[CareVisit]:
    return select(CareVisit).where(CareVisit.care_recipient_id == recipient.id)


@dataclass(frozen=True)
class RecipientFilter:
    community_id: str | None = None
    kind: str | None = None
    status: str | None = None
    team_id: uuid.UUID | None = None
    overdue: bool | None = None


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(CareRecipient.status == "active", CareRecipient.next_due_on < today)


def list_recipients(
    principal: Principal,
    where: RecipientFilter,
    today: date,
    my_teams: frozenset[uuid.UUID] | None = None,
) -> Select[CareRecipient]:
    """People under care in scope; only those of `my_teams` when given (see `care_teams_of`)."""
    query = select(CareRecipient)
    if my_teams is not None:
        query = query.where(CareRecipient.team_id.in_(my_teams))
    if where.kind is not None:
        query = query.where(CareRecipient.kind == where.kind)
    if where.status is not None:
        query = query.where(CareRecipient.status == where.status)
    if where.team_id is not None:
        query = query.where(CareRecipient.team_id == where.team_id)
    if where.overdue is not None:
        late = _overdue(today)
        query = query.where(late if where.overdue else ~late)
    return scoped(query, CareRecipient.community_id, principal, where.community_id)


@dataclass(frozen=True)
class CommunityCare:
    community_id: str
    under_care: int
    overdue: int
    by_kind: dict[str, int]


async def summary(
    session: AsyncSession, principal: Principal, community_id: str | None, today: date
) -> Sequence[CommunityCare]:
    """Per community in scope: people under care now, how many are overdue, by kind."""
    late = case((CareRecipient.next_due_on < today, 1), else_=0)
    query = (
        select(
            CareRecipient.community_id,
            CareRecipient.kind,
            func.count().label("n"),
            func.sum(late).label("late"),
        )
        .where(CareRecipient.status == "active")
        .group_by(CareRecipient.community_id, CareRecipient.kind)
    )
    if community_id is not None:
        principal.require_read(community_id, "community")
        query = query.where(CareRecipient.community_id == community_id)
    elif (visible := principal.community_filter()) is not None:
        query = query.where(CareRecipient.community_id.in_(visible))
    found: dict[str, CommunityCare] = {}
    for row in (await session.execute(query.order_by(CareRecipient.community_id))).all():
        current = found.setdefault(row.community_id, CommunityCare(row.community_id, 0, 0, {}))
        current.by_kind[row.kind] = int(row.n)
        found[row.community_id] = CommunityCare(
            row.community_id,
            current.under_care + int(row.n),
            current.overdue + int(row.late or 0),
            current.by_kind,
        )
    if community_id is not None and community_id not in found:
        found[community_id] = CommunityCare(community_id, 0, 0, {})
    return list(found.values())
