"""The requests HTTP routes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from fastapi import APIRouter, Request

from services.requests import domain
from services.requests.lifecycle import CareTaskState, OrderState, Sla
from services.requests.models import CareTask, RequestHistory, ServiceKind, ServiceRequest
from services.requests.schemas import (
    AssignIn,
    CancelIn,
    CareCompleteIn,
    CareStatus,
    CareTaskOut,
    CareTaskSort,
    CompleteIn,
    EscalateIn,
    HistoryOut,
    RateIn,
    RequestIn,
    RequestOut,
    RequestSort,
    RequestStatus,
    ResidentOut,
    ServiceKindIn,
    ServiceKindOut,
)
from services.requests.settings import RequestsSettings
from shared.auth import CurrentUser, Principal
from shared.names import first_character_only
from shared.pagination import Page, Paging, SortBy, paginate, sort_by
from shared.phones import mask_phone
from shared.schemas import PathId, Slug
from shared.service import SessionDep
from shared.uow import unit_of_work

router = APIRouter()


def _sla(request: Request) -> Sla:
    settings: RequestsSettings = request.app.state.settings
    return Sla(
        timedelta(hours=settings.sla_urgent_hours), timedelta(hours=settings.sla_normal_hours)
    )


def request_out(
    order: ServiceRequest,
    user: Principal,
    history: Sequence[RequestHistory] = (),
    my_teams: frozenset[uuid.UUID] = frozenset(),
) -> RequestOut:
    """The answer: what the order's events carry, and what stays in this service."""
    state = OrderState.of(order)
    # Events carry no resident; the answer shows them whole to those who serve them.
    if domain.sees_resident(user, order, my_teams):
        resident = ResidentOut(
            name=state.resident_name, phone=state.resident_phone, address=state.resident_address
        )
    else:
        address = state.resident_address
        resident = ResidentOut(
            name=first_character_only(state.resident_name),
            phone=mask_phone(state.resident_phone),
            address=first_character_only(address) if address else address,
        )
    return RequestOut(
        **state.shown(),
        id=str(state.id),
        description=state.description,
        resident=resident,
        completion_note=state.completion_note,
        activity_id=str(state.activity_id) if state.activity_id else None,
        cancel_reason=state.cancel_reason,
        escalation_reason=state.escalation_reason,
        rating_comment=state.rating_comment,
        history=[
            HistoryOut(
                at=h.at,
                actor=h.actor,
                action=h.action,
                from_status=h.from_status,
                to_status=h.to_status,
                note=h.note,
            )
            for h in history
        ],
    )


async def _full(session: SessionDep, order: ServiceRequest, user: Principal) -> RequestOut:
    history = await domain.history_of(session, order)
    return request_out(order, user, history, await domain.teams_of(session, user))


@router.post("/requests", status_code=201, tags=["requests"])
async def submit_request(
    body: RequestIn, request: Request, session: SessionDep, user: CurrentUser
) -> RequestOut:
    """Take a resident's order; it is routed at once to the least busy team of its color."""
    async with unit_of_work(session):
        order = await domain.create_request(session, user, body, _sla(request))
    return await _full(session, order, user)


@router.get("/requests", tags=["requests"])
async def list_requests(
    session: SessionDep,
    user: CurrentUser,
    paging: Paging,
    community_id: Slug | None = None,
    status: RequestStatus | None = None,
    team_id: uuid.UUID | None = None,
    unassigned: bool = False,
    overdue: bool | None = None,
    open: bool | None = None,
    escalated: bool | None = None,
    waiting: bool | None = None,
    sort: SortBy[RequestSort] = None,
) -> Page[RequestOut]:
    """Orders in scope, and those the caller's teams serve for another community of the
    branch; `unassigned=true` is the queue of orders no team could take; `open=true` the
    orders still to be done (submitted, assigned or accepted); `escalated=true&waiting=true`
    the branch's queue: escalated orders it has not given a team yet. Sorted by when they
    are due or when they came in, or else in the order they came in."""
    where = domain.RequestFilter(
        community_id, status, team_id, unassigned, overdue, open, escalated, waiting
    )
    my_teams = await domain.teams_of(session, user)
    return await paginate(
        session,
        domain.list_requests(user, where, my_teams),
        ServiceRequest.id,
        paging,
        to_item=lambda o: request_out(o, user, my_teams=my_teams),
        sort=sort_by(sort, domain.REQUEST_SORTS),
    )


@router.get("/requests/{request_id}", tags=["requests"])
async def get_request(request_id: PathId, session: SessionDep, user: CurrentUser) -> RequestOut:
    """An order with its full history: every transition, who and when."""
    return await _full(session, await domain.get_request(session, user, request_id), user)


@router.post("/requests/{request_id}/assign", tags=["requests"])
async def assign_request(
    request_id: PathId, body: AssignIn, session: SessionDep, user: CurrentUser
) -> RequestOut:
    """Assign or reassign an open order to a team of its community; an escalated one, by a
    county admin or its branch's admin, to a team of any community of the branch."""
    async with unit_of_work(session):
        order = await domain.assign_request(session, user, request_id, body.team_id)
    return await _full(session, order, user)


@router.post("/requests/{request_id}/escalate", tags=["requests"])
async def escalate_request(
    request_id: PathId, body: EscalateIn, session: SessionDep, user: CurrentUser
) -> RequestOut:
    """Its community cannot serve the open order: escalate it to the branch (服务难题联解);
    once."""
    async with unit_of_work(session):
        order = await domain.escalate_request(session, user, request_id, body.reason)
    return await _full(session, order, user)


@router.post("/requests/{request_id}/accept", tags=["requests"])
async def accept_request(request_id: PathId, session: SessionDep, user: CurrentUser) -> RequestOut:
    async with unit_of_work(session):
        order = await domain.accept_request(session, user, request_id)
    return await _full(session, order, user)


@router.post("/requests/{request_id}/complete", tags=["requests"])
async def complete_request(
    request_id: PathId, body: CompleteIn, session: SessionDep, user: CurrentUser
) -> RequestOut:
    async with unit_of_work(session):
        order = await domain.complete_request(
            session, user, request_id, body.note, body.activity_id
        )
    return await _full(session, order, user)


@router.post("/requests/{request_id}/cancel", tags=["requests"])
async def cancel_request(
    request_id: PathId, body: CancelIn, session: SessionDep, user: CurrentUser
) -> RequestOut:
    async with unit_of_work(session):
        order = await domain.cancel_request(session, user, request_id, body.reason)
    return await _full(session, order, user)


@router.post("/requests/{request_id}/rate", tags=["requests"])
async def rate_request(
    request_id: PathId, body: RateIn, session: SessionDep, user: CurrentUser
) -> RequestOut:
    """The resident's rating of a completed order, 1 to 5; once."""
    async with unit_of_work(session):
        order = await domain.rate_request(session, user, request_id, body.score, body.comment)
    return await _full(session, order, user)


@router.get("/service-kinds", tags=["requests"])
async def list_service_kinds(session: SessionDep, user: CurrentUser) -> list[ServiceKindOut]:
    """The routing table: each kind of service and the color that serves it."""
    return [_kind_out(k) for k in await domain.list_service_kinds(session)]


@router.put("/service-kinds/{code}", tags=["requests"])
async def put_service_kind(
    code: Slug, body: ServiceKindIn, session: SessionDep, user: CurrentUser
) -> ServiceKindOut:
    """Add a service kind or route it to another category (a county_admin over all communities)."""
    async with unit_of_work(session):
        kind = await domain.put_service_kind(session, user, code, body)
    return _kind_out(kind)


def _kind_out(kind: ServiceKind) -> ServiceKindOut:
    return ServiceKindOut(code=kind.code, name=kind.name, category=kind.category)


def care_out(task: CareTask) -> CareTaskOut:
    """The answer: what the task's events carry, and who it is for and who did it."""
    state = CareTaskState.of(task)
    return CareTaskOut(
        **state.shown(),
        id=str(state.id),
        volunteer_name=state.volunteer_name,
        note=state.note,
        completed_by=state.completed_by,
        created_at=state.created_at,
    )


@router.get("/care-tasks", tags=["care tasks"])
async def list_care_tasks(
    session: SessionDep,
    user: CurrentUser,
    paging: Paging,
    community_id: Slug | None = None,
    status: CareStatus | None = None,
    volunteer_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    sort: SortBy[CareTaskSort] = None,
) -> Page[CareTaskOut]:
    """Visits and talks party members are owed (三必访五必谈); `overdue=true` those
    marked past their due day. Sorted by due day, when done (open ones last) or the
    party member's name (in pinyin order), or else in the order they were created."""
    query = domain.list_care_tasks(user, community_id, status, volunteer_id, overdue)
    return await paginate(
        session,
        query,
        CareTask.id,
        paging,
        to_item=care_out,
        sort=sort_by(sort, domain.CARE_TASK_SORTS),
    )


@router.post("/care-tasks/{task_id}/complete", tags=["care tasks"])
async def complete_care_task(
    task_id: PathId, body: CareCompleteIn, session: SessionDep, user: CurrentUser
) -> CareTaskOut:
    async with unit_of_work(session):
        task = await domain.complete_care_task(session, user, task_id, body.note)
    return care_out(task)
