"""The requests rules: taking a resident's order, routing it to the right team,
its lifecycle and SLA, and the party-member care tasks (三必访五必谈)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.requests import events as ev
from services.requests.models import (
    CareTask,
    Community,
    RequestHistory,
    ServiceKind,
    ServiceRequest,
    Team,
    Volunteer,
)
from services.requests.schemas import OPEN_STATUSES, RequestIn, ServiceKindIn
from shared.auth import ADMINS, Principal
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, Invalid, NotYetKnown
from shared.scoping import get_in_scope, scoped

OUTBOX = ev.OUTBOX

# -- the lifecycle as a table: action -> (statuses it may start from, status it leads to)

MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "assign": (("submitted", "assigned", "accepted"), "assigned"),
    "accept": (("assigned",), "accepted"),
    "complete": (("accepted",), "completed"),
    "cancel": (OPEN_STATUSES, "cancelled"),
}


def check_move(action: str, status: str) -> str:
    """The status an action leads to from `status`, or Conflict naming the current status."""
    allowed, target = MOVES[action]
    if status not in allowed:
        raise Conflict(
            f"cannot {action} an order that is {status}", current_status=status, action=action
        )
    return target


# -- care rules: 三必访五必谈 ------------------------------------------------------------

VISIT_REASONS = frozenset(
    {"ill", "hospitalized", "major_difficulty", "missed_dues", "missed_org_life"}
)
TALK_REASONS = frozenset(
    {"job_change", "commended", "disciplined", "negative_feedback", "retired", "political_birthday"}
)


def care_kind(reason: str) -> str:
    """A visit or a talk, for a life event kind (or the political birthday)."""
    if reason in VISIT_REASONS:
        return "visit"
    if reason in TALK_REASONS:
        return "talk"
    raise ValueError(f"no care rule for {reason!r}")


def next_political_birthday(joined: date, today: date) -> date:
    """The next anniversary of joining the party, today included (29 Feb falls on 28 Feb)."""
    for year in (today.year, today.year + 1):
        try:
            day = joined.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if day >= today and year > joined.year:
            return day
    return date(today.year + 1, joined.month, min(joined.day, 28))


# -- orders -------------------------------------------------------------------------


@dataclass(frozen=True)
class Sla:
    urgent: timedelta
    normal: timedelta

    def due(self, urgency: str, submitted_at: datetime) -> datetime:
        return submitted_at + (self.urgent if urgency == "urgent" else self.normal)


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


async def submit_request(
    session: AsyncSession,
    actor: str,
    command: RequestIn,
    sla: Sla,
    inbound_event_id: uuid.UUID | None = None,
) -> ServiceRequest:
    """Take an order and route it; used by the API and by the county inbound consumer."""
    if await session.get(Community, command.community_id) is None:
        raise NotYetKnown(
            f"community {command.community_id!r} is not known here (yet)", field="community_id"
        )
    category = await _category_of(session, command.service_kind)
    now = utcnow()
    order = ServiceRequest(
        community_id=command.community_id,
        service_kind=command.service_kind,
        category=category,
        description=command.description,
        resident_name=command.resident.name,
        resident_phone=command.resident.phone,
        resident_address=command.resident.address,
        channel=command.channel,
        mode=command.mode,
        paid=command.paid,
        price=Decimal(str(command.price)) if command.price is not None else None,
        urgency=command.urgency,
        status="submitted",
        due_at=sla.due(command.urgency, now),
        submitted_at=now,
        inbound_event_id=inbound_event_id,
        version=1,
    )
    session.add(order)
    await session.flush()
    await _history(session, order, actor, "submit", None, command.description[:200])
    await _publish(session, order, ev.RequestSubmitted)
    team = await least_loaded_team(session, order.community_id, category)
    if team is not None:
        await _move(
            session,
            order,
            actor,
            "assign",
            ev.RequestAssigned,
            team_id=team.id,
            note=f"routed to {team.name}",
        )
    return order


async def create_request(
    session: AsyncSession, principal: Principal, command: RequestIn, sla: Sla
) -> ServiceRequest:
    principal.require_write(command.community_id)
    principal.require_role(*ADMINS)
    order = await submit_request(session, principal.sub, command, sla)
    await session.commit()
    return order


async def _history(
    session: AsyncSession,
    order: ServiceRequest,
    actor: str,
    action: str,
    from_status: str | None,
    note: str | None,
) -> None:
    session.add(
        RequestHistory(
            request_id=order.id,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=order.status,
            note=note,
        )
    )


async def _move(
    session: AsyncSession,
    order: ServiceRequest,
    actor: str,
    action: str,
    event: type[ev.RequestState],
    *,
    team_id: uuid.UUID | None = None,
    note: str | None = None,
    **extra: Any,
) -> None:
    before = order.status
    order.status = check_move(action, before)
    if team_id is not None:
        order.team_id = team_id
    if order.status == "completed":
        order.completed_at = utcnow()
    order.version += 1
    await _history(session, order, actor, action, before, note)
    await _publish(session, order, event, **extra)


async def _publish(
    session: AsyncSession, order: ServiceRequest, event: type[ev.RequestState], **extra: Any
) -> None:
    data = event(
        request_id=str(order.id),
        community_id=order.community_id,
        service_kind=order.service_kind,
        category=order.category,
        channel=order.channel,
        mode=order.mode,
        paid=order.paid,
        urgency=order.urgency,
        status=order.status,
        team_id=str(order.team_id) if order.team_id else None,
        submitted_at=order.submitted_at,
        due_at=order.due_at,
        completed_at=order.completed_at,
        rating=order.rating,
        overdue=order.overdue_at is not None,
        version=order.version,
        **extra,
    )
    await OUTBOX.record(session, data, community=order.community_id, subject=str(order.id))


async def get_request(
    session: AsyncSession, principal: Principal, request_id: str
) -> ServiceRequest:
    return await get_in_scope(session, ServiceRequest, request_id, principal, "request")


async def history_of(session: AsyncSession, order: ServiceRequest) -> Sequence[RequestHistory]:
    return (
        await session.scalars(
            select(RequestHistory)
            .where(RequestHistory.request_id == order.id)
            .order_by(RequestHistory.id)
        )
    ).all()


async def _order_for_change(
    session: AsyncSession, principal: Principal, request_id: str
) -> ServiceRequest:
    order = await get_request(session, principal, request_id)
    principal.require_write(order.community_id)
    return order


async def _require_admin_or_assigned_leader(
    session: AsyncSession, principal: Principal, order: ServiceRequest
) -> None:
    if principal.role in ADMINS:
        return
    team = await session.get(Team, order.team_id) if order.team_id else None
    leader = team.leader_volunteer_id if team else None
    if principal.role == "team_leader" and leader is not None and str(leader) == principal.sub:
        return
    raise Forbidden("only the community's admins or the assigned team's leader may do this")


async def assign_request(
    session: AsyncSession, principal: Principal, request_id: str, team_id: uuid.UUID
) -> ServiceRequest:
    order = await _order_for_change(session, principal, request_id)
    principal.require_role(*ADMINS)
    check_move("assign", order.status)
    team = await session.get(Team, team_id)
    if team is None or team.community_id != order.community_id:
        raise Invalid(f"team {team_id} is not a team of {order.community_id}", field="team_id")
    if team.status != "active":
        raise Invalid(f"team {team.name} is inactive", field="team_id")
    await _move(
        session,
        order,
        principal.sub,
        "assign",
        ev.RequestAssigned,
        team_id=team.id,
        note=f"assigned to {team.name}",
    )
    await session.commit()
    return order


async def accept_request(
    session: AsyncSession, principal: Principal, request_id: str
) -> ServiceRequest:
    order = await _order_for_change(session, principal, request_id)
    await _require_admin_or_assigned_leader(session, principal, order)
    await _move(session, order, principal.sub, "accept", ev.RequestAccepted)
    await session.commit()
    return order


async def complete_request(
    session: AsyncSession,
    principal: Principal,
    request_id: str,
    note: str | None,
    activity_id: uuid.UUID | None,
) -> ServiceRequest:
    order = await _order_for_change(session, principal, request_id)
    await _require_admin_or_assigned_leader(session, principal, order)
    order.completion_note = note
    order.activity_id = activity_id
    await _move(
        session,
        order,
        principal.sub,
        "complete",
        ev.RequestCompleted,
        note=note,
        activity_id=str(activity_id) if activity_id else None,
    )
    await session.commit()
    return order


async def cancel_request(
    session: AsyncSession, principal: Principal, request_id: str, reason: str
) -> ServiceRequest:
    order = await _order_for_change(session, principal, request_id)
    principal.require_role(*ADMINS)
    order.cancel_reason = reason
    await _move(
        session, order, principal.sub, "cancel", ev.RequestCancelled, note=reason, reason=reason
    )
    await session.commit()
    return order


async def rate_request(
    session: AsyncSession, principal: Principal, request_id: str, score: int, comment: str | None
) -> ServiceRequest:
    """The resident's rating, recorded by staff: once, and only for a completed order."""
    order = await _order_for_change(session, principal, request_id)
    principal.require_role(*ADMINS)
    if order.status != "completed":
        raise Conflict(
            f"only a completed order can be rated; this one is {order.status}",
            current_status=order.status,
        )
    if order.rating is not None:
        raise Conflict("the order is already rated", current_status=order.status)
    order.rating = score
    order.rating_comment = comment
    order.version += 1
    await _history(
        session, order, principal.sub, "rate", order.status, f"{score}/5 {comment or ''}".strip()
    )
    await _publish(session, order, ev.RequestRated)
    await session.commit()
    return order


@dataclass(frozen=True)
class RequestFilter:
    community_id: str | None = None
    status: str | None = None
    team_id: uuid.UUID | None = None
    unassigned: bool = False
    overdue: bool | None = None


def list_requests(principal: Principal, where: RequestFilter) -> Select[ServiceRequest]:
    query = select(ServiceRequest)
    if where.status is not None:
        query = query.where(ServiceRequest.status == where.status)
    if where.team_id is not None:
        query = query.where(ServiceRequest.team_id == where.team_id)
    if where.unassigned:
        query = query.where(ServiceRequest.status == "submitted", ServiceRequest.team_id.is_(None))
    if where.overdue is not None:
        marked = ServiceRequest.overdue_at.is_not(None)
        query = query.where(marked if where.overdue else ~marked)
    return scoped(query, ServiceRequest.community_id, principal, where.community_id)


# -- routing table ------------------------------------------------------------------


async def list_service_kinds(session: AsyncSession) -> Sequence[ServiceKind]:
    return (await session.scalars(select(ServiceKind).order_by(ServiceKind.position))).all()


async def put_service_kind(
    session: AsyncSession, principal: Principal, code: str, command: ServiceKindIn
) -> ServiceKind:
    """Add a service kind or route it to another category (county_admin)."""
    principal.require_role("county_admin")
    kind = await session.get(ServiceKind, code)
    if kind is None:
        position = (await session.scalar(select(func.max(ServiceKind.position)))) or 0
        kind = ServiceKind(code=code, position=position + 1)
        session.add(kind)
    kind.name = command.name
    kind.category = command.category
    data = ev.ServiceKindRouted(code=code, name=command.name, category=command.category)
    await OUTBOX.record(session, data, community="*", subject=code)
    await session.commit()
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
    task = CareTask(
        community_id=community_id,
        volunteer_id=volunteer_id,
        volunteer_name=volunteer_name,
        kind=care_kind(reason),
        reason=reason,
        life_event_id=life_event_id,
        birthday_year=birthday_year,
        owner="community_admins",
        due_on=due_on,
        status="open",
        version=1,
    )
    session.add(task)
    await session.flush()
    await _publish_care(session, task, ev.CareTaskCreated)
    return task


async def _publish_care(
    session: AsyncSession, task: CareTask, event: type[ev.CareTaskState]
) -> None:
    data = event(
        care_task_id=str(task.id),
        community_id=task.community_id,
        volunteer_id=str(task.volunteer_id),
        kind=task.kind,
        reason=task.reason,
        owner=task.owner,
        due_on=task.due_on,
        status=task.status,
        overdue=task.overdue_at is not None,
        completed_at=task.completed_at,
        version=task.version,
    )
    await OUTBOX.record(session, data, community=task.community_id, subject=str(task.id))


async def complete_care_task(
    session: AsyncSession, principal: Principal, task_id: str, note: str | None
) -> CareTask:
    task = await get_in_scope(session, CareTask, task_id, principal, "care task")
    principal.require_write(task.community_id)
    principal.require_role(*ADMINS)
    if task.status != "open":
        raise Conflict("the care task is already done", current_status=task.status)
    task.status = "done"
    task.note = note
    task.completed_at = utcnow()
    task.completed_by = principal.sub
    task.version += 1
    await _publish_care(session, task, ev.CareTaskCompleted)
    await session.commit()
    return task


def list_care_tasks(
    principal: Principal,
    community_id: str | None,
    status: str | None,
    volunteer_id: uuid.UUID | None,
) -> Select[CareTask]:
    query = select(CareTask)
    if status is not None:
        query = query.where(CareTask.status == status)
    if volunteer_id is not None:
        query = query.where(CareTask.volunteer_id == volunteer_id)
    return scoped(query, CareTask.community_id, principal, community_id)


# -- the scheduler: overdue marks and birthday talks, each published once --------------


async def mark_overdue(session: AsyncSession, now: datetime, zone: str) -> int:
    """Mark open orders and care tasks past due; each is marked (and published) once."""
    marked = 0
    orders = await session.scalars(
        select(ServiceRequest.id).where(
            ServiceRequest.status.in_(OPEN_STATUSES),
            ServiceRequest.due_at < now,
            ServiceRequest.overdue_at.is_(None),
        )
    )
    for order_id in list(orders):
        # The guarded UPDATE makes "once" hold even with several schedulers running.
        result = await session.execute(
            update(ServiceRequest)
            .where(ServiceRequest.id == order_id, ServiceRequest.overdue_at.is_(None))
            .values(overdue_at=now, version=ServiceRequest.version + 1)
        )
        if getattr(result, "rowcount", 0) == 1:
            order = await session.get(ServiceRequest, order_id, populate_existing=True)
            assert order is not None
            await _publish(session, order, ev.RequestOverdue)
            marked += 1
    today = now.astimezone(ZoneInfo(zone)).date()
    tasks = await session.scalars(
        select(CareTask.id).where(
            CareTask.status == "open", CareTask.due_on < today, CareTask.overdue_at.is_(None)
        )
    )
    for task_id in list(tasks):
        result = await session.execute(
            update(CareTask)
            .where(CareTask.id == task_id, CareTask.overdue_at.is_(None))
            .values(overdue_at=now, version=CareTask.version + 1)
        )
        if getattr(result, "rowcount", 0) == 1:
            task = await session.get(CareTask, task_id, populate_existing=True)
            assert task is not None
            await _publish_care(session, task, ev.CareTaskOverdue)
            marked += 1
    await session.commit()
    return marked


async def create_birthday_talks(session: AsyncSession, today: date, lead_days: int) -> int:
    """A talk task for each active party member whose political birthday is near."""
    created = 0
    members = await session.scalars(
        select(Volunteer).where(
            Volunteer.is_party_member.is_(True),
            Volunteer.active.is_(True),
            Volunteer.party_joined_on.is_not(None),
        )
    )
    for member in list(members):
        assert member.party_joined_on is not None
        birthday = next_political_birthday(member.party_joined_on, today)
        if birthday > today + timedelta(days=lead_days):
            continue
        exists = await session.scalar(
            select(CareTask.id).where(
                and_(CareTask.volunteer_id == member.id, CareTask.birthday_year == birthday.year)
            )
        )
        if exists is not None:
            continue
        await create_care_task(
            session,
            community_id=member.community_id,
            volunteer_id=member.id,
            volunteer_name=member.name,
            reason="political_birthday",
            due_on=birthday,
            birthday_year=birthday.year,
        )
        created += 1
    await session.commit()
    return created
