"""The activities HTTP routes."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from services.activities import domain
from services.activities.certificate import render_html, render_pdf
from services.activities.models import Activity, ActivityKind, Participation
from services.activities.schemas import (
    ActivityIn,
    ActivityOut,
    CorrectionIn,
    KindIn,
    KindOut,
    ParticipantOut,
    ReasonIn,
    Status,
    VolunteerHours,
)
from services.activities.settings import ActivitiesSettings
from shared.auth import CurrentUser
from shared.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, paginate
from shared.schemas import ShortText, Slug
from shared.service import SessionDep

router = APIRouter()


def _settings(request: Request) -> ActivitiesSettings:
    settings: ActivitiesSettings = request.app.state.settings
    return settings


def _skew(request: Request) -> timedelta:
    return timedelta(minutes=_settings(request).clock_skew_minutes)


def activity_out(activity: Activity, participants: list[Participation]) -> ActivityOut:
    def text(value: uuid.UUID | None) -> str | None:
        return str(value) if value else None

    return ActivityOut(
        id=str(activity.id),
        community_id=activity.community_id,
        team_id=str(activity.team_id),
        category=activity.category,
        kind=activity.kind,
        title=activity.title,
        started_at=activity.started_at,
        ended_at=activity.ended_at,
        location=activity.location,
        participants=[
            ParticipantOut(volunteer_id=str(p.volunteer_id), hours=float(p.hours))
            for p in participants
        ],
        people_served=activity.people_served,
        beneficiaries=activity.beneficiaries,
        outputs=activity.outputs,
        request_id=text(activity.request_id),
        status=activity.status,
        logged_by=activity.logged_by,
        verified_by=activity.verified_by,
        verified_at=activity.verified_at,
        voided_by=activity.voided_by,
        voided_at=activity.voided_at,
        void_reason=activity.void_reason,
        corrects_activity_id=text(activity.corrects_activity_id),
        corrected_by_activity_id=text(activity.corrected_by_activity_id),
        created_at=activity.created_at,
    )


async def _out(session: SessionDep, activity: Activity) -> ActivityOut:
    participants = await domain.participants_of(session, [activity.id])
    return activity_out(activity, participants[activity.id])


@router.post("/activities", status_code=201, tags=["activities"])
async def log_activity(
    body: ActivityIn, request: Request, session: SessionDep, user: CurrentUser
) -> ActivityOut:
    """Log what a team did, with each volunteer's hours. The category is the team's.

    A team or volunteer registered a moment ago may not have reached this
    service yet: that answers 422 with type `.../not-yet-known` and
    `Retry-After`, and nothing is written.
    """
    # The answer is what was written: no second transaction to read it back.
    return activity_out(*await domain.log_activity(session, user, body, _skew(request)))


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
    start: Annotated[date | None, Query(alias="from", description="First day (inclusive)")] = None,
    end: Annotated[date | None, Query(alias="to", description="Last day (inclusive)")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[ActivityOut]:
    """Activities in scope, filtered by community, team, category, kind, status and period."""
    where = domain.ActivityFilter(community_id, team_id, category, kind, status, start, end)
    query = domain.list_activities(user, where, _settings(request).timezone)
    page = await paginate(
        session, query, Activity.id, limit=limit, cursor=cursor, to_item=lambda a: a
    )
    participants = await domain.participants_of(session, [a.id for a in page.items])
    return Page(
        items=[activity_out(a, participants[a.id]) for a in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/activities/{activity_id}", tags=["activities"])
async def get_activity(activity_id: str, session: SessionDep, user: CurrentUser) -> ActivityOut:
    return await _out(session, await domain.get_activity(session, user, activity_id))


@router.post("/activities/{activity_id}/verify", tags=["activities"])
async def verify_activity(activity_id: str, session: SessionDep, user: CurrentUser) -> ActivityOut:
    """Verify a logged activity (admins or the team's leader): its hours become certified."""
    return await _out(session, await domain.verify_activity(session, user, activity_id))


@router.post("/activities/{activity_id}/void", tags=["activities"])
async def void_activity(
    activity_id: str, body: ReasonIn, session: SessionDep, user: CurrentUser
) -> ActivityOut:
    """Void an activity with a reason (community admins): it no longer counts anywhere."""
    return await _out(session, await domain.void_activity(session, user, activity_id, body.reason))


@router.post("/activities/{activity_id}/correct", status_code=201, tags=["activities"])
async def correct_activity(
    activity_id: str, body: CorrectionIn, request: Request, session: SessionDep, user: CurrentUser
) -> ActivityOut:
    """Void an activity and log its corrected version, linked both ways."""
    return activity_out(
        *await domain.correct_activity(session, user, activity_id, body, _skew(request))
    )


@router.get("/volunteer-hours/{volunteer_id}", tags=["volunteer hours"])
async def volunteer_hours(
    volunteer_id: str, session: SessionDep, user: CurrentUser
) -> VolunteerHours:
    """A volunteer's hours: all that count, and those certified by verification."""
    return await domain.volunteer_hours(session, user, volunteer_id)


@router.get(
    "/volunteer-hours/{volunteer_id}/certificate",
    tags=["volunteer hours"],
    response_class=Response,
    responses={200: {"content": {"text/html": {}, "application/pdf": {}}}},
)
async def certificate(
    volunteer_id: str,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    format: Literal["html", "pdf"] = "html",
    person_in_charge: ShortText | None = None,
    handler: ShortText | None = None,
) -> Response:
    """The service certificate (志愿服务证明) of a volunteer's certified hours in a period."""
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
            headers={"Content-Disposition": f'inline; filename="{data.number}.pdf"'},
        )
    return HTMLResponse(render_html(data))


@router.get("/activity-kinds", tags=["activities"])
async def list_kinds(session: SessionDep, user: CurrentUser) -> list[KindOut]:
    """The kinds of activity a team can log."""
    return [_kind_out(k) for k in await domain.list_kinds(session)]


@router.post("/activity-kinds", status_code=201, tags=["activities"])
async def define_kind(body: KindIn, session: SessionDep, user: CurrentUser) -> KindOut:
    """Add a kind of activity (county_admin)."""
    return _kind_out(await domain.define_kind(session, user, body))


def _kind_out(kind: ActivityKind) -> KindOut:
    return KindOut(code=kind.code, name=kind.name, category_hint=kind.category_hint)
