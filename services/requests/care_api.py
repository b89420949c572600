"""The care register's HTTP routes (关爱对象): people under care and their visits."""

from __future__ import annotations

import uuid
from datetime import date
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request

from services.requests import care_register
from services.requests.care_lifecycle import RecipientState
from services.requests.care_schemas import (
    CareEndIn,
    CareKind,
    CareRecipientIn,
    CareRecipientOut,
    CareRecipientPatch,
    CareRecipientStatus,
    CareSummaryOut,
    CareVisitIn,
    CareVisitOut,
)
from services.requests.models import CareRecipient, CareVisit
from shared.auth import CurrentUser, Principal
from shared.db import utcnow
from shared.pagination import Page, Paging, paginate
from shared.phones import mask_phone
from shared.schemas import PathId, Slug
from shared.service import SessionDep
from shared.uow import unit_of_work

router = APIRouter(tags=["care register"])


def today(request: Request) -> date:
    """Today in the county's time zone: the day visits are due by."""
    return utcnow().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()


def recipient_out(recipient: CareRecipient, user: Principal, on: date) -> CareRecipientOut:
    state = RecipientState.of(recipient)
    return CareRecipientOut(
        id=str(state.id),
        community_id=state.community_id,
        name=state.name,
        phone=state.phone if user.is_admin_of(state.community_id) else mask_phone(state.phone),
        address=state.address,
        kind=state.kind,
        consent_on=state.consent_on,
        consent_recorded_by=state.consent_recorded_by,
        under_care_since=state.under_care_since,
        plan_days=state.plan_days,
        team_id=str(state.team_id) if state.team_id else None,
        notes=state.notes,
        status=state.status,
        last_visited_on=state.last_visited_on,
        next_due_on=state.next_due_on,
        overdue=state.is_overdue(on),
        visits=state.visits,
        ended_on=state.ended_on,
        end_reason=state.end_reason,
        registered_at=state.registered_at,
    )


def visit_out(visit: CareVisit) -> CareVisitOut:
    return CareVisitOut(
        id=str(visit.id),
        care_recipient_id=str(visit.care_recipient_id),
        community_id=visit.community_id,
        visited_on=visit.visited_on,
        due_on=visit.due_on,
        on_time=visit.on_time,
        team_id=str(visit.team_id) if visit.team_id else None,
        volunteer_id=str(visit.volunteer_id) if visit.volunteer_id else None,
        note=visit.note,
        recorded_by=visit.recorded_by,
        recorded_at=visit.recorded_at,
    )


@router.post("/care-recipients", status_code=201)
async def register_care_recipient(
    body: CareRecipientIn, request: Request, session: SessionDep, user: CurrentUser
) -> CareRecipientOut:
    """Register a person under care (关爱对象), with their consent and a visit plan
    (community admins, county admin)."""
    on = today(request)
    async with unit_of_work(session):
        recipient = await care_register.register(session, user, body, on)
    return recipient_out(recipient, user, on)


@router.get("/care-recipients")
async def list_care_recipients(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    paging: Paging,
    community_id: Slug | None = None,
    kind: CareKind | None = None,
    status: CareRecipientStatus | None = None,
    team_id: uuid.UUID | None = None,
    overdue: bool | None = None,
) -> Page[CareRecipientOut]:
    """People under care in scope (for a team leader or volunteer, those their teams are
    responsible for); `overdue=true` those still under care whose next visit was due before
    today."""
    on = today(request)
    where = care_register.RecipientFilter(community_id, kind, status, team_id, overdue)
    mine = await care_register.care_teams_of(session, user)
    return await paginate(
        session,
        care_register.list_recipients(user, where, on, mine),
        CareRecipient.id,
        paging,
        to_item=lambda r: recipient_out(r, user, on),
    )


@router.get("/care-recipients/summary")
async def care_summary(
    request: Request, session: SessionDep, user: CurrentUser, community_id: Slug | None = None
) -> list[CareSummaryOut]:
    """Per community in scope: people under care, how many are overdue for a visit, and
    how many of each kind."""
    found = await care_register.summary(session, user, community_id, today(request))
    return [
        CareSummaryOut(
            community_id=c.community_id,
            under_care=c.under_care,
            overdue=c.overdue,
            by_kind=c.by_kind,
        )
        for c in found
    ]


@router.get("/care-recipients/{recipient_id}")
async def get_care_recipient(
    recipient_id: PathId, request: Request, session: SessionDep, user: CurrentUser
) -> CareRecipientOut:
    """A person under care; a team leader or volunteer reads those their team is responsible
    for, with the phone masked."""
    recipient = await care_register.get(session, user, recipient_id)
    return recipient_out(recipient, user, today(request))


@router.patch("/care-recipients/{recipient_id}")
async def change_care_recipient(
    recipient_id: PathId,
    body: CareRecipientPatch,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> CareRecipientOut:
    """Change a person's details, kind, visit plan or responsible team (admins); a new plan
    counts from the last visit."""
    async with unit_of_work(session):
        recipient = await care_register.change(session, user, recipient_id, body)
    return recipient_out(recipient, user, today(request))


@router.post("/care-recipients/{recipient_id}/end")
async def end_care(
    recipient_id: PathId, body: CareEndIn, request: Request, session: SessionDep, user: CurrentUser
) -> CareRecipientOut:
    """The person is no longer under care (admins); their visits stay."""
    on = today(request)
    async with unit_of_work(session):
        recipient = await care_register.end(session, user, recipient_id, body.reason, on)
    return recipient_out(recipient, user, on)


@router.post("/care-recipients/{recipient_id}/visits", status_code=201)
async def log_care_visit(
    recipient_id: PathId,
    body: CareVisitIn,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> CareVisitOut:
    """Log a visit (admins, or the responsible team's leader or an active member of it); the
    next visit is then due the plan's days after it."""
    async with unit_of_work(session):
        _, visit = await care_register.log_visit(session, user, recipient_id, body, today(request))
    return visit_out(visit)


@router.get("/care-recipients/{recipient_id}/visits")
async def list_care_visits(
    recipient_id: PathId, session: SessionDep, user: CurrentUser, paging: Paging
) -> Page[CareVisitOut]:
    """A person's visits, in the order they were logged."""
    recipient = await care_register.get(session, user, recipient_id)
    return await paginate(
        session,
        care_register.visits_of(recipient),
        CareVisit.id,
        paging,
        to_item=visit_out,
    )
