"""The requests rules applied to the database: taking a resident's order, routing
it to the right team, its lifecycle and SLA, and the party-member care tasks
(三必访五必谈).

Every function works in the session it is given and never commits: the route's
unit of work, the consumer's batch transaction or the scheduler's unit of work
commits the change and its outbox events together. A change reads its row with
a lock, asks the pure rule in `lifecycle` for the new state and event, writes
the state back (`state.write_to(row)`) and records the event.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.requests import events as ev
from services.requests import lifecycle
from services.requests.lifecycle import CareTaskState, OrderState
from services.requests.models import (
    CareTask,
    Community,
    RequestHistory,
    ServiceKind,
    ServiceRequest,
    Team,
    TeamMember,
    Volunteer,
)
from services.requests.outbox import OUTBOX
from services.requests.schemas import OPEN_STATUSES, RequestIn, ServiceKindIn
from services.requests.settings import ESCALATION_WAIT_HOURS
from shared.auth import ADMINS, Principal, Role
from shared.db import insert_for, utcnow
from shared.errors import Forbidden, Invalid, NotFound, NotYetKnown
from shared.events import EventData
from shared.ids import new_id
from shared.pagination import PINYIN, SortKey, Sorts
from shared.scoping import get_by_id, get_to_change, scoped

# Who may assign an order: its community's admins to their own teams; a county admin or the
# admin of the order's branch also to a team of any community of the branch (escalated).
ASSIGNERS: tuple[Role, ...] = (*ADMINS, "branch_admin")
BRANCH_ASSIGNERS: tuple[Role, ...] = ("county_admin", "branch_admin")
# Who works an order the branch gave their team (besides the team's community's admins).
SERVING_ROLES: tuple[Role, ...] = ("team_leader", "volunteer")

log = logging.getLogger(__name__)


async def _record(
    session: AsyncSession, state: OrderState | CareTaskState, data: EventData
) -> None:
    await OUTBOX.record(session, data, community=state.community_id, subject=str(state.id))


# -- orders -------------------------------------------------------------------------


async def _category_of(session: AsyncSession, service_kind: str) -> str:
    kind = await session.get(ServiceKind, service_kind)
    if kind is None:
        known = await session.scalars(select(ServiceKind.code).order_by(ServiceKind.position))
        raise Invalid(
            f"unknown service_kind {service_kind!r}; known: {', '.join(known)}",
            field="service_kind",
        )
    return kind.category


async def least_loaded_team(session: AsyncSession, community_id: str, category: str) -> Team | None:
    """The active team of the category in the community with the fewest open orders."""
    open_orders = (
        select(ServiceRequest.team_id, func.count().label("n"))
        .where(ServiceRequest.status.in_(("assigned", "accepted")))
        .group_by(ServiceRequest.team_id)
        .subquery()
    )
    query = (
        select(Team)
        .outerjoin(open_orders, open_orders.c.team_id == Team.id)
        .where(
            Team.community_id == community_id, Team.category == category, Team.status == "active"
        )
        .order_by(func.coalesce(open_orders.c.n, 0), Team.id)
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def _team_view(session: AsyncSession, team: Team | None) -> lifecycle.TeamView | None:
    if team is None:
        return None
    return lifecycle.TeamView(
        team.id,
        team.name,
        team.community_id,
        team.status,
        await _branch_of(session, team.community_id),
        team.unit_id,
    )


async def _branch_of(session: AsyncSession, community_id: str) -> str | None:
    return await session.scalar(select(Community.branch).where(Community.id == community_id))


async def _history(
    session: AsyncSession,
    actor: str,
    action: str,
    from_status: str | None,
    state: OrderState,
    note: str | None,
) -> None:
    session.add(
        RequestHistory(
            request_id=state.id,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=state.status,
            note=note,
        )
    )


async def _change(
    session: AsyncSession,
    order: ServiceRequest,
    actor: str,
    action: str,
    change: tuple[OrderState, ev.RequestState],
    note: str | None = None,
) -> None:
    """Apply a lifecycle verb's result: the row, its history line and its event."""
    before = order.status
    state, data = change
    state.write_to(order)
    await _history(session, actor, action, before, state, note)
    await _record(session, state, data)


async def submit_request(
    session: AsyncSession,
    actor: str,
    command: RequestIn,
    sla: lifecycle.Sla,
    inbound_event_id: uuid.UUID | None = None,
) -> ServiceRequest:
    """Take an order and route it; used by the API and by the county inbound consumer."""
    if await session.get(Community, command.community_id) is None:
        raise NotYetKnown(
            f"community {command.community_id!r} is not known here (yet)", field="community_id"
        )
    category = await _category_of(session, command.service_kind)
    state, data = lifecycle.submit(
        command,
        order_id=new_id(),
        category=category,
        sla=sla,
        at=utcnow(),
        inbound_event_id=inbound_event_id,
    )
    order = ServiceRequest(**state.columns())
    session.add(order)
    await session.flush()  # the history line refers to the order
    await _history(session, actor, "submit", None, state, command.description[:200])
    await _record(session, state, data)
    team = await least_loaded_team(session, order.community_id, category)
    if team is not None:
        routed = lifecycle.assign(
            state, team.id, await _team_view(session, team), at=state.submitted_at
        )
        await _change(session, order, actor, "assign", routed, note=f"routed to {team.name}")
    return order


async def create_request(
    session: AsyncSession, principal: Principal, command: RequestIn, sla: lifecycle.Sla
) -> ServiceRequest:
    principal.require_write(command.community_id)
    principal.require_role(*ADMINS)
    return await submit_request(session, principal.sub, command, sla)


async def teams_of(session: AsyncSession, principal: Principal) -> frozenset[uuid.UUID]:
    """The teams a team leader leads or a volunteer is on: the orders they serve for
    another community of the branch are theirs to read and work."""
    if principal.role not in SERVING_ROLES:
        return frozenset()
    try:
        volunteer_id = uuid.UUID(principal.sub)
    except ValueError:
        return frozenset()
    led = select(Team.id).where(Team.leader_volunteer_id == volunteer_id)
    on = select(TeamMember.team_id).where(
        TeamMember.volunteer_id == volunteer_id, TeamMember.member.is_(True)
    )
    return frozenset((await session.scalars(led.union(on))).all())


def serves(principal: Principal, order: ServiceRequest, my_teams: frozenset[uuid.UUID]) -> bool:
    """The caller works the order for another community: an admin of the serving team's
    community, or the serving team's leader or member."""
    state = OrderState.of(order)
    if not state.served_for_another or state.serving_community_id is None:
        return False
    if not principal.sees(state.serving_community_id):
        return False
    return principal.role == "community_admin" or order.team_id in my_teams


def sees_resident(
    principal: Principal, order: ServiceRequest, my_teams: frozenset[uuid.UUID]
) -> bool:
    """Whether the resident's name, phone and address are shown whole: always to the
    community's admins; while the order is open (submitted, assigned, accepted), to the
    assigned team's leader and members, and, for an order served for another community,
    to the admins of the serving team's community. Anyone else, and everyone but the
    community's admins once the order is closed, sees them masked."""
    state = OrderState.of(order)
    if principal.is_admin_of(state.community_id):
        return True
    if state.status not in OPEN_STATUSES:
        return False
    assigned = state.team_id is not None and state.team_id in my_teams
    return assigned or serves(principal, order, my_teams)


async def _order_in_reach(
    session: AsyncSession, principal: Principal, request_id: str, *, for_update: bool
) -> ServiceRequest:
    """The order when it is of the caller's communities or the caller serves it; else 404."""
    order = await get_by_id(session, ServiceRequest, request_id, "request", for_update=for_update)
    if principal.sees(order.community_id):
        return order
    if serves(principal, order, await teams_of(session, principal)):
        return order
    raise NotFound("request not found")


async def get_request(
    session: AsyncSession, principal: Principal, request_id: str
) -> ServiceRequest:
    return await _order_in_reach(session, principal, request_id, for_update=False)


async def history_of(session: AsyncSession, order: ServiceRequest) -> Sequence[RequestHistory]:
    return (
        await session.scalars(
            select(RequestHistory)
            .where(RequestHistory.request_id == order.id)
            # UUIDv7 ids made in one millisecond do not sort by time: the time first.
            .order_by(RequestHistory.at, RequestHistory.id)
        )
    ).all()


async def _order_for_change(
    session: AsyncSession, principal: Principal, request_id: str
) -> ServiceRequest:
    """The order, locked until the unit of work ends: a second writer decides on our result."""
    return await get_to_change(session, ServiceRequest, request_id, principal, "request")


async def _order_to_work(
    session: AsyncSession, principal: Principal, request_id: str
) -> ServiceRequest:
    """Like `_order_for_change`, and also an order the caller serves for another community."""
    return await _order_in_reach(session, principal, request_id, for_update=True)


async def _require_admin_or_assigned_leader(
    session: AsyncSession, principal: Principal, order: ServiceRequest
) -> None:
    if principal.role in ADMINS:
        return  # of the order's community, or of the community whose team serves it
    team = await session.get(Team, order.team_id) if order.team_id else None
    leader = team.leader_volunteer_id if team else None
    if principal.role == "team_leader" and leader is not None and str(leader) == principal.sub:
        return
    raise Forbidden("only the community's admins or the assigned team's leader may do this")


async def assign_request(
    session: AsyncSession, principal: Principal, request_id: str, team_id: uuid.UUID
) -> ServiceRequest:
    order = await _order_for_change(session, principal, request_id)
    principal.require_role(*ASSIGNERS)
    if principal.role == "branch_admin" and order.escalated_at is None:
        # The community dispatches its own orders; the branch steps in once asked to.
        raise Forbidden("the branch assigns only orders escalated to it")
    team = await session.get(Team, team_id)
    by = lifecycle.Assigner(
        across_branch=principal.role in BRANCH_ASSIGNERS,
        branch=await _branch_of(session, order.community_id),
        may_reach=principal.sees,
    )
    assigned = lifecycle.assign(
        OrderState.of(order), team_id, await _team_view(session, team), at=utcnow(), by=by
    )
    note = f"assigned to {team.name}" if team else None
    await _change(session, order, principal.sub, "assign", assigned, note=note)
    return order


async def escalate_request(
    session: AsyncSession, principal: Principal, request_id: str, reason: str
) -> ServiceRequest:
    """Its community cannot serve the order: hand it to the branch (服务难题联解)."""
    order = await _order_for_change(session, principal, request_id)
    principal.require_role(*ADMINS)
    escalated = lifecycle.escalate(OrderState.of(order), reason=reason, at=utcnow())
    await _change(session, order, principal.sub, "escalate", escalated, note=reason)
    return order


async def accept_request(
    session: AsyncSession, principal: Principal, request_id: str
) -> ServiceRequest:
    order = await _order_to_work(session, principal, request_id)
    await _require_admin_or_assigned_leader(session, principal, order)
    accepted = lifecycle.accept(OrderState.of(order))
    await _change(session, order, principal.sub, "accept", accepted)
    return order


async def complete_request(
    session: AsyncSession,
    principal: Principal,
    request_id: str,
    note: str | None,
    activity_id: uuid.UUID | None,
) -> ServiceRequest:
    order = await _order_to_work(session, principal, request_id)
    await _require_admin_or_assigned_leader(session, principal, order)
    done = lifecycle.complete(OrderState.of(order), at=utcnow(), note=note, activity_id=activity_id)
    await _change(session, order, principal.sub, "complete", done, note=note)
    return order


async def cancel_request(
    session: AsyncSession, principal: Principal, request_id: str, reason: str
) -> ServiceRequest:
    order = await _order_for_change(session, principal, request_id)
    principal.require_role(*ADMINS)
    cancelled = lifecycle.cancel(OrderState.of(order), reason=reason)
    await _change(session, order, principal.sub, "cancel", cancelled, note=reason)
    return order


async def rate_request(
    session: AsyncSession, principal: Principal, request_id: str, score: int, comment: str | None
) -> ServiceRequest:
    """The resident's rating, recorded by staff: once, and only for a completed order."""
    order = await _order_for_change(session, principal, request_id)
    principal.require_role(*ADMINS)
    rated = lifecycle.rate(OrderState.of(order), score=score, comment=comment)
    note = f"{score}/5 {comment or ''}".strip()
    await _change(session, order, principal.sub, "rate", rated, note=note)
    return order


@dataclass(frozen=True)
class RequestFilter:
    community_id: str | None = None
    status: str | None = None
    team_id: uuid.UUID | None = None
    unassigned: bool = False
    overdue: bool | None = None
    open: bool | None = None
    escalated: bool | None = None
    waiting: bool | None = None


# What `GET /requests?sort=` may sort by.
REQUEST_SORTS: Sorts = {
    "due_at": SortKey.of(ServiceRequest.due_at),
    "submitted_at": SortKey.of(ServiceRequest.submitted_at),
}


def list_requests(
    principal: Principal, where: RequestFilter, my_teams: frozenset[uuid.UUID] = frozenset()
) -> Select[ServiceRequest]:
    """Orders of the caller's communities, and those the caller serves for another one
    (`my_teams`: see `teams_of`)."""
    query = select(ServiceRequest)
    if where.escalated is not None:
        escalated = ServiceRequest.escalated_at.is_not(None)
        query = query.where(escalated if where.escalated else ~escalated)
    if where.waiting is not None:
        waits = and_(
            ServiceRequest.escalated_at.is_not(None),
            ServiceRequest.branch_assigned_at.is_(None),
            ServiceRequest.status.in_(OPEN_STATUSES),
        )
        query = query.where(waits if where.waiting else ~waits)
    if where.status is not None:
        query = query.where(ServiceRequest.status == where.status)
    if where.team_id is not None:
        query = query.where(ServiceRequest.team_id == where.team_id)
    if where.unassigned:
        query = query.where(ServiceRequest.status == "submitted", ServiceRequest.team_id.is_(None))
    if where.overdue is not None:
        marked = ServiceRequest.overdue_at.is_not(None)
        query = query.where(marked if where.overdue else ~marked)
    if where.open is not None:
        still_open = ServiceRequest.status.in_(OPEN_STATUSES)
        query = query.where(still_open if where.open else ~still_open)
    return query.where(_in_reach(principal, where.community_id, my_teams))


def _in_reach(
    principal: Principal, community_id: str | None, my_teams: frozenset[uuid.UUID]
) -> ColumnElement[bool]:
    """Of the communities in scope (one, 404 outside the token, or all the token's), or
    served for another community by the caller's teams (an admin's: any of its teams)."""
    if community_id is not None:
        principal.require_read(community_id, "community")
        communities: list[str] | None = [community_id]
    else:
        communities = principal.community_filter()
    if communities is None:
        return true()
    served = and_(
        ServiceRequest.serving_community_id.in_(communities),
        ServiceRequest.serving_community_id != ServiceRequest.community_id,
    )
    if principal.role != "community_admin":
        served = and_(served, ServiceRequest.team_id.in_(my_teams))
    return or_(ServiceRequest.community_id.in_(communities), served)


# -- routing table ------------------------------------------------------------------


async def list_service_kinds(session: AsyncSession) -> Sequence[ServiceKind]:
    return (await session.scalars(select(ServiceKind).order_by(ServiceKind.position))).all()


async def put_service_kind(
    session: AsyncSession, principal: Principal, code: str, command: ServiceKindIn
) -> ServiceKind:
    """Add a service kind or route it to another category (a county_admin over all communities)."""
    principal.require_county_wide()
    # A new code is inserted first (a concurrent first PUT waits, then inserts nothing),
    # so both writers then lock the one row and the later one routes it last.
    last = select(func.coalesce(func.max(ServiceKind.position), 0)).scalar_subquery()
    await session.execute(
        insert_for(session, ServiceKind.__table__)
        # Version 0 until routed below, which makes a new kind's first version 1.
        .values(
            code=code, name=command.name, category=command.category, position=last + 1, version=0
        )
        .on_conflict_do_nothing(index_elements=["code"])
    )
    kind = await session.get(ServiceKind, code, with_for_update=True, populate_existing=True)
    assert kind is not None  # inserted above, or there already
    kind.name = command.name
    kind.category = command.category
    kind.version += 1
    data = ev.ServiceKindRouted(
        code=code, name=command.name, category=command.category, version=kind.version
    )
    await OUTBOX.record(session, data, community="*", subject=code)
    return kind


# -- care tasks ---------------------------------------------------------------------


async def create_care_task(
    session: AsyncSession,
    *,
    community_id: str,
    volunteer_id: uuid.UUID,
    volunteer_name: str,
    reason: str,
    due_on: date,
    life_event_id: uuid.UUID | None = None,
    birthday_year: int | None = None,
) -> CareTask:
    state, data = lifecycle.open_care_task(
        task_id=new_id(),
        community_id=community_id,
        volunteer_id=volunteer_id,
        volunteer_name=volunteer_name,
        reason=reason,
        due_on=due_on,
        at=utcnow(),
        life_event_id=life_event_id,
        birthday_year=birthday_year,
    )
    task = CareTask(**state.columns())
    session.add(task)
    await session.flush()  # a unique constraint hit surfaces here, before the event
    await _record(session, state, data)
    return task


# Who may see and do a care task. Its reason is a party member's life event (illness,
# discipline ...), private as the life event is: the community's admins read it, and the
# member it is about. A task is assigned to its `owner`: the community's admins (every task
# today), or a person named by their id, who may then read and complete it too.


def assigned_to(principal: Principal, task: CareTaskState) -> bool:
    """The task is the caller's to do: its community's admins', or theirs by name."""
    if task.owner == lifecycle.CARE_OWNER:
        return principal.is_admin_of(task.community_id)
    return principal.sees(task.community_id) and task.owner == principal.sub


def may_read_care_task(principal: Principal, task: CareTaskState) -> bool:
    """Those it is assigned to, the community's admins, and the member it is about."""
    return assigned_to(principal, task) or principal.is_admin_or_self(
        task.community_id, str(task.volunteer_id)
    )


def require_care_task_completer(principal: Principal, task: CareTaskState) -> None:
    """404 to whoever may not read the task; 403 to the member it is about, unless it is
    assigned to them."""
    if not may_read_care_task(principal, task):
        raise NotFound("care task not found")
    if not assigned_to(principal, task):
        raise Forbidden("only those the care task is assigned to may complete it")


async def complete_care_task(
    session: AsyncSession, principal: Principal, task_id: str, note: str | None
) -> CareTask:
    task = await get_to_change(session, CareTask, task_id, principal, "care task")
    require_care_task_completer(principal, CareTaskState.of(task))
    state, data = lifecycle.complete_care_task(
        CareTaskState.of(task), by=principal.sub, at=utcnow(), note=note
    )
    state.write_to(task)
    await _record(session, state, data)
    return task


# What `GET /care-tasks?sort=` may sort by: open tasks have no completed_at, so sort last.
CARE_TASK_SORTS: Sorts = {
    "due_on": SortKey.of(CareTask.due_on),
    "completed_at": SortKey.of(CareTask.completed_at),
    "volunteer_name": SortKey.of(CareTask.volunteer_name, collation=PINYIN),
}


def list_care_tasks(
    principal: Principal,
    community_id: str | None,
    status: str | None,
    volunteer_id: uuid.UUID | None,
    overdue: bool | None = None,
) -> Select[CareTask]:
    query = select(CareTask)
    if principal.role not in ADMINS:
        # Below the admins, a caller sees only the tasks assigned to them or about them.
        query = query.where(_own_care_tasks(principal))
    if status is not None:
        query = query.where(CareTask.status == status)
    if volunteer_id is not None:
        query = query.where(CareTask.volunteer_id == volunteer_id)
    if overdue is not None:
        marked = CareTask.overdue_at.is_not(None)
        query = query.where(marked if overdue else ~marked)
    return scoped(query, CareTask.community_id, principal, community_id)


def _own_care_tasks(principal: Principal) -> ColumnElement[bool]:
    """`may_read_care_task` for a caller who is no admin, as a query's condition."""
    mine = CareTask.owner == principal.sub
    try:
        return or_(mine, CareTask.volunteer_id == uuid.UUID(principal.sub))
    except ValueError:
        return mine  # a `sub` that is no volunteer's id


# -- the scheduler: overdue marks and birthday talks, each published once --------------


# A scheduler's mark: the row's new state and its event, or None when the rule says the
# row is not due after all (it has the last word over the query).
Mark = Callable[[Any], tuple[OrderState | CareTaskState, EventData] | None]


async def _mark_each(session: AsyncSession, due: Select[Any], mark: Mark) -> int:
    """Mark each row `due` finds; answer how many were marked.

    The rows are read locked, skipping rows another transaction holds: a second
    scheduler (another replica) marks the others, and a row an API command holds
    now is looked at again next round, in its state then. Nobody waits.
    """
    rows = await session.scalars(
        due.with_for_update(skip_locked=True).execution_options(populate_existing=True)
    )
    marked = 0
    for row in rows.all():
        change = mark(row)
        if change is None:
            continue
        state, data = change
        state.write_to(row)
        await _record(session, state, data)
        marked += 1
    return marked


async def mark_overdue(
    session: AsyncSession,
    now: datetime,
    zone: str,
    escalation_wait: timedelta = timedelta(hours=ESCALATION_WAIT_HOURS),
) -> int:
    """Mark open orders and care tasks past due, and flag escalations the branch left
    without a team for `escalation_wait`; each is marked (and published) once
    (`_mark_each`: nobody waits for a row another transaction holds)."""

    today = now.astimezone(ZoneInfo(zone)).date()

    def order_overdue(order: ServiceRequest) -> tuple[OrderState, ev.RequestOverdue] | None:
        state = OrderState.of(order)
        return lifecycle.mark_overdue(state, at=now) if lifecycle.is_overdue(state, now) else None

    def escalation_overdue(
        order: ServiceRequest,
    ) -> tuple[OrderState, ev.RequestEscalationOverdue] | None:
        state = OrderState.of(order)
        if not lifecycle.is_escalation_overdue(state, now, escalation_wait):
            return None
        return lifecycle.mark_escalation_overdue(state, at=now, wait=escalation_wait)

    def task_overdue(task: CareTask) -> tuple[CareTaskState, ev.CareTaskOverdue] | None:
        state = CareTaskState.of(task)
        if not lifecycle.is_care_task_overdue(state, today):
            return None
        return lifecycle.mark_care_task_overdue(state, at=now, today=today)

    orders = select(ServiceRequest).order_by(ServiceRequest.id)
    marked = await _mark_each(
        session,
        orders.where(
            ServiceRequest.status.in_(OPEN_STATUSES),
            ServiceRequest.due_at < now,
            ServiceRequest.overdue_at.is_(None),
        ),
        order_overdue,
    )
    # Escalated orders the branch has not given a team within the wait.
    marked += await _mark_each(
        session,
        orders.where(
            ServiceRequest.status.in_(OPEN_STATUSES),
            ServiceRequest.escalated_at < now - escalation_wait,
            ServiceRequest.branch_assigned_at.is_(None),
            ServiceRequest.escalation_overdue_at.is_(None),
        ),
        escalation_overdue,
    )
    marked += await _mark_each(
        session,
        select(CareTask)
        .where(CareTask.status == "open", CareTask.due_on < today, CareTask.overdue_at.is_(None))
        .order_by(CareTask.id),
        task_overdue,
    )
    return marked


async def _birthday_talk_exists(session: AsyncSession, volunteer_id: uuid.UUID, year: int) -> bool:
    found = await session.scalar(
        select(CareTask.id).where(
            CareTask.volunteer_id == volunteer_id, CareTask.birthday_year == year
        )
    )
    return found is not None


async def create_birthday_talks(session: AsyncSession, today: date, lead_days: int) -> int:
    """A talk task for each active party member whose political birthday is near.

    Once per member and year even when two schedulers run this at once: each
    talk is inserted in a savepoint, and the other one's row (the unique
    constraint on volunteer and year) means it is made already: nothing to publish.
    """
    created = 0
    members = await session.scalars(
        select(Volunteer)
        .where(
            Volunteer.is_party_member.is_(True),
            Volunteer.active.is_(True),
            Volunteer.party_joined_on.is_not(None),
        )
        .order_by(Volunteer.id)
    )
    for member in members.all():
        assert member.party_joined_on is not None
        birthday = lifecycle.next_political_birthday(member.party_joined_on, today)
        if birthday > today + timedelta(days=lead_days):
            continue
        if await _birthday_talk_exists(session, member.id, birthday.year):
            continue
        try:
            async with session.begin_nested():
                await create_care_task(
                    session,
                    community_id=member.community_id,
                    volunteer_id=member.id,
                    volunteer_name=member.name,
                    reason="political_birthday",
                    due_on=birthday,
                    birthday_year=birthday.year,
                )
        except IntegrityError:
            if not await _birthday_talk_exists(session, member.id, birthday.year):
                raise
            log.info("birthday talk for %s made by another scheduler", member.id)
            continue
        created += 1
    return created
