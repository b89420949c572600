"""The activities HTTP routes."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from services.activities import domain
from services.activities.certificate import file_name, render_html, render_pdf
from services.activities.lifecycle import ActivityState
from services.activities.models import Activity, ActivityKind
from services.activities.schemas import (
    ActivityIn,
    ActivityOut,
    ActivitySort,
    CertificateOut,
    CorrectionIn,
    KindIn,
    KindOut,
    Period,
    ReasonIn,
    Status,
    VolunteerHours,
)
from services.activities.settings import ActivitiesSettings
from shared.auth import CurrentUser
from shared.pagination import (
    DEFAULT_LIMIT,
    SORT_DESCRIPTION,
    Cursor,
    Limit,
    Page,
    paginate,
    sort_by,
)
from shared.schemas import PathId, ShortText, Slug
from shared.service import SessionDep
from shared.uow import unit_of_work

router = APIRouter()

Start = Annotated[date | None, Query(alias="from", description="First day (inclusive)")]
End = Annotated[date | None, Query(alias="to", description="Last day (inclusive)")]


def _settings(request: Request) -> ActivitiesSettings:
    settings: ActivitiesSettings = request.app.state.settings
    return settings


def _skew(request: Request) -> timedelta:
    return timedelta(minutes=_settings(request).clock_skew_minutes)


@router.post("/activities", status_code=201, tags=["activities"])
async def log_activity(
    body: ActivityIn, request: Request, session: SessionDep, user: CurrentUser
) -> ActivityOut:
    """Log what a team did, with each volunteer's hours. The category is the team's.

    A team or volunteer registered a moment ago may not have reached this
    service yet: that answers 422 with type `.../not-yet-known` and
    `Retry-After`, and nothing is written.
    """
    async with unit_of_work(session):
        activity = await domain.log_activity(session, user, body, _skew(request))
    # The answer is the state as written: no second transaction to read it back.
    return activity_out(activity)


@router.get("/activities", tags=["activities"])
async def list_activities(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    community_id: Slug | None = None,
    team_id: uuid.UUID | None = None,
    category: Slug | None = None,
    kind: Slug | None = None,
    status: Status | None = None,
    start: Start = None,
    end: End = None,
    sort: Annotated[ActivitySort | None, Query(description=SORT_DESCRIPTION)] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[ActivityOut]:
    """Activities in scope, filtered by community, team, category, kind, status and period;
    oldest logged first, or sorted by when they took place, people served or hours."""
    where = domain.ActivityFilter(community_id, team_id, category, kind, status, start, end)
    query = domain.list_activities(user, where, _settings(request).timezone)
    page = await paginate(
        session,
        query,
        Activity.id,
        limit=limit,
        cursor=cursor,
        to_item=lambda a: a,
        sort=sort_by(sort, domain.ACTIVITY_SORTS),
    )
    states = await domain.states_of(session, page.items)
    return Page(items=[activity_out(state) for state in states], next_cursor=page.next_cursor)


@router.get("/activities/{activity_id}", tags=["activities"])
async def get_activity(activity_id: PathId, session: SessionDep, user: CurrentUser) -> ActivityOut:
    return activity_out(await domain.get_activity(session, user, activity_id))


@router.post("/activities/{activity_id}/verify", tags=["activities"])
async def verify_activity(
    activity_id: PathId, session: SessionDep, user: CurrentUser
) -> ActivityOut:
    """Verify a logged activity (admins or the team's leader): its hours become certified."""
    async with unit_of_work(session):
        activity = await domain.verify_activity(session, user, activity_id)
    return activity_out(activity)


@router.post("/activities/{activity_id}/void", tags=["activities"])
async def void_activity(
    activity_id: PathId, body: ReasonIn, session: SessionDep, user: CurrentUser
) -> ActivityOut:
    """Void an activity with a reason (community admins): it no longer counts anywhere."""
    async with unit_of_work(session):
        activity = await domain.void_activity(session, user, activity_id, body.reason)
    return activity_out(activity)


@router.post("/activities/{activity_id}/correct", status_code=201, tags=["activities"])
async def correct_activity(
    activity_id: PathId,
    body: CorrectionIn,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
) -> ActivityOut:
    """Void an activity and log its corrected version, linked both ways."""
    async with unit_of_work(session):
        activity = await domain.correct_activity(session, user, activity_id, body, _skew(request))
    return activity_out(activity)


@router.get("/volunteer-hours/{volunteer_id}", tags=["volunteer hours"])
async def volunteer_hours(
    volunteer_id: PathId, session: SessionDep, user: CurrentUser
) -> VolunteerHours:
    """A volunteer's hours: all that count, and those certified by verification."""
    return await domain.volunteer_hours(session, user, volunteer_id)


@router.post(
    "/volunteer-hours/{volunteer_id}/certificate",
    status_code=201,
    tags=["volunteer hours"],
    responses={200: {"model": CertificateOut, "description": "Issued before: the same number"}},
)
async def issue_certificate(
    volunteer_id: PathId,
    request: Request,
    response: Response,
    session: SessionDep,
    user: CurrentUser,
    start: Start = None,
    end: End = None,
) -> CertificateOut:
    """Issue the service certificate (志愿服务证明) of a volunteer's certified hours in a
    period (admins of the volunteer's community).

    New content gets the next number of its community and year (201); content issued
    before keeps its number (200). `GET` on the same path then renders it.
    """
    async with unit_of_work(session):
        issued = await domain.issue_certificate(
            session, user, volunteer_id, start, end, _settings(request).timezone
        )
    if not issued.fresh:
        response.status_code = 200
    return certificate_out(issued)


@router.get(
    "/volunteer-hours/{volunteer_id}/certificate",
    tags=["volunteer hours"],
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
async def certificate(
    volunteer_id: PathId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    start: Start = None,
    end: End = None,
    format: Literal["html", "pdf"] = "html",
    person_in_charge: ShortText | None = None,
    handler: ShortText | None = None,
) -> Response:
    """The service certificate (志愿服务证明) of a volunteer's certified hours in a period.

    Reading writes nothing: the certificate issued for this content (`POST` on the same
    path issues it), or else a preview marked as such, without a number.
    """
    data = await domain.certificate(
        session,
        user,
        volunteer_id,
        start,
        end,
        _settings(request).timezone,
        person_in_charge,
        handler,
    )
    if format == "pdf":
        return Response(
            render_pdf(data),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{file_name(data)}.pdf"'},
        )
    return HTMLResponse(render_html(data))


def activity_out(state: ActivityState) -> ActivityOut:
    """The answer: what the activity's events carry, and who logged, verified or voided it."""
    corrected_by = state.corrected_by_activity_id
    return ActivityOut(
        **state.shown(),
        id=str(state.id),
        logged_by=state.logged_by,
        verified_by=state.verified_by,
        verified_at=state.verified_at,
        voided_by=state.voided_by,
        voided_at=state.voided_at,
        void_reason=state.void_reason,
        corrected_by_activity_id=str(corrected_by) if corrected_by else None,
        created_at=state.created_at,
    )


def certificate_out(issued: domain.Issued) -> CertificateOut:
    data = issued.data
    return CertificateOut(
        number=issued.number,
        issued_on=data.issued_on,
        volunteer_id=data.volunteer_number,
        volunteer_name=data.volunteer_name,
        period=Period(start=data.period_from, end=data.period_to),
        total_hours=data.total_hours,
        lines=data.lines,
        organisation=data.organisation,
    )


@router.get("/activity-kinds", tags=["activities"])
async def list_kinds(session: SessionDep, user: CurrentUser) -> list[KindOut]:
    """The kinds of activity a team can log."""
    return [_kind_out(k) for k in await domain.list_kinds(session)]


@router.post("/activity-kinds", status_code=201, tags=["activities"])
async def define_kind(body: KindIn, session: SessionDep, user: CurrentUser) -> KindOut:
    """Add a kind of activity (county_admin)."""
    async with unit_of_work(session):
        kind = await domain.define_kind(session, user, body)
    return _kind_out(kind)


def _kind_out(kind: ActivityKind) -> KindOut:
    return KindOut(code=kind.code, name=kind.name, category_hint=kind.category_hint)
