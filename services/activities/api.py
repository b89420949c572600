"""The activities HTTP routes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from services.activities import domain, personal_data
from services.activities.certificate import (
    file_name,
    render_check_html,
    render_html,
    render_pdf,
)
from services.activities.lifecycle import ActivityState
from services.activities.models import Activity, ActivityKind, Booking, Resource
from services.activities.schemas import (
    ActivitiesPersonalData,
    ActivityBooking,
    ActivityIn,
    ActivityOut,
    ActivitySort,
    BookingIn,
    BookingOut,
    CertificateCheck,
    CertificateOut,
    CorrectionIn,
    HeldCertificate,
    KindIn,
    KindOut,
    Period,
    ReasonIn,
    RecordedActivity,
    ResourceIn,
    ResourceKind,
    ResourceOut,
    ResourcePatch,
    Status,
    VolunteerHours,
)
from services.activities.settings import ActivitiesSettings
from services.registry.replicas import ReplicaVolunteerOut
from shared.auth import CurrentUser
from shared.db import utcnow
from shared.limits import ClientBuckets
from shared.openapi import too_many_response
from shared.pagination import (
    Page,
    Paging,
    SortBy,
    paginate,
    sort_by,
)
from shared.schemas import End, PathId, ShortText, Slug, Start
from shared.service import SessionDep
from shared.uow import unit_of_work

router = APIRouter()


def _settings(request: Request) -> ActivitiesSettings:
    settings: ActivitiesSettings = request.app.state.settings
    return settings


def _skew(request: Request) -> timedelta:
    return timedelta(minutes=_settings(request).clock_skew_minutes)


@router.post("/activities", status_code=201, response_model=ActivityOut, tags=["activities"])
async def log_activity(
    body: ActivityIn, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """Log what a team did, with each volunteer's hours. The category is the team's.

    A team or volunteer registered a moment ago may not have reached this
    service yet: that answers 422 with type `.../not-yet-known` and
    `Retry-After`, and nothing is written.
    """
    async with unit_of_work(session):
        activity = await domain.log_activity(session, user, body, _skew(request))
    # The answer is the state as written: no second transaction to read it back. Sent
    # as it serialises: FastAPI would validate the model it was just built from once
    # more, then encode it twice (the busiest write's answer; the document is the same).
    return Response(
        activity_out(activity).model_dump_json(), status_code=201, media_type="application/json"
    )


@router.get("/activities", tags=["activities"])
async def list_activities(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    paging: Paging,
    community_id: Slug | None = None,
    team_id: uuid.UUID | None = None,
    category: Slug | None = None,
    kind: Slug | None = None,
    status: Status | None = None,
    start: Start = None,
    end: End = None,
    sort: SortBy[ActivitySort] = None,
) -> Page[ActivityOut]:
    """Activities in scope, filtered by community, team, category, kind, status and period;
    oldest logged first, or sorted by when they took place, people served or hours."""
    where = domain.ActivityFilter(community_id, team_id, category, kind, status, start, end)
    query = domain.list_activities(user, where, _settings(request).timezone)
    page = await paginate(
        session,
        query,
        Activity.id,
        paging,
        to_item=lambda a: a,
        sort=sort_by(sort, domain.ACTIVITY_SORTS),
    )
    states = await domain.states_of(session, page.items)
    booked = await domain.bookings_of_activities(session, [s.id for s in states])
    return Page(
        items=[activity_out(state, booked[state.id]) for state in states],
        next_cursor=page.next_cursor,
    )


@router.get("/activities/{activity_id}", tags=["activities"])
async def get_activity(activity_id: PathId, session: SessionDep, user: CurrentUser) -> ActivityOut:
    """An activity, with the shared resources booked for it (`bookings`)."""
    state = await domain.get_activity(session, user, activity_id)
    booked = await domain.bookings_of_activities(session, [state.id])
    return activity_out(state, booked[state.id])


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
        settings = _settings(request)
        issued = await domain.issue_certificate(
            session, user, volunteer_id, start, end, settings.timezone, settings.public_base_url
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
    settings = _settings(request)
    data = await domain.certificate(
        session,
        user,
        volunteer_id,
        start,
        end,
        settings.timezone,
        person_in_charge,
        handler,
        settings.public_base_url,
    )
    if format == "pdf":
        return Response(
            render_pdf(data),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{file_name(data)}.pdf"'},
        )
    return HTMLResponse(render_html(data))


# -- checking a certificate: no token ----------------------------------------------------

CHECK_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}},
    429: too_many_response(),
}


def _certificate_checks(request: Request) -> ClientBuckets:
    checks: ClientBuckets | None = getattr(request.app.state, "certificate_checks", None)
    if checks is None:
        settings = _settings(request)
        checks = request.app.state.certificate_checks = ClientBuckets(
            per_minute=settings.certificate_checks_per_minute,
            burst=settings.certificate_checks_burst,
        )
    return checks


def _wants_html(request: Request, format: str | None) -> bool:
    if format is not None:
        return format == "html"
    # A browser following the QR code asks for text/html first; scripts get JSON.
    return "text/html" in request.headers.get("accept", "")


@router.get(
    "/certificates/{number}",
    tags=["certificates"],
    response_model=CertificateCheck,
    responses=CHECK_ANSWERS,
)
async def check_certificate(
    number: Annotated[str, Path(max_length=60)],
    request: Request,
    session: SessionDep,
    code: Annotated[
        str | None, Query(max_length=40, description="The check code printed on it.")
    ] = None,
    format: Annotated[
        Literal["json", "html"] | None,
        Query(description="json, or html (a page); by default as the Accept header asks."),
    ] = None,
) -> Response:
    """Check a service certificate, for anyone (no token), by its number and check code:
    `valid`, `superseded` (an activity it counted was voided since) or `unknown` (no such
    number, or not with this code), with the masked name, hours, period, issuer and date,
    and nothing else of the person. Limited per address (429)."""
    checks = _certificate_checks(request)
    if not checks.take(request.client.host if request.client else "unknown"):
        return checks.too_many("too many certificate checks from this address; slow down")
    check = await domain.check_certificate(session, number, code, _settings(request).timezone)
    # The verdict may change (an activity voided later): never kept by a cache.
    headers = {"Cache-Control": "no-store", "Vary": "Accept"}
    if _wants_html(request, format):
        return HTMLResponse(render_check_html(check), headers=headers)
    return JSONResponse(check.model_dump(mode="json"), headers=headers)


@router.get("/volunteer-hours/{volunteer_id}/personal-data", tags=["personal data"])
async def export_personal_data(
    volunteer_id: PathId, session: SessionDep, user: CurrentUser
) -> ActivitiesPersonalData:
    """Everything activities holds on a volunteer (PIPL): the name it keeps, hours on every
    activity (voided ones too), certificates issued, and activities they logged, verified
    or voided. For the community's admins and the volunteer themself; audited."""
    async with unit_of_work(session):
        held = await personal_data.export_volunteer(session, user, volunteer_id)
    volunteer = held.volunteer
    return ActivitiesPersonalData(
        exported_at=utcnow(),
        volunteer=ReplicaVolunteerOut.model_validate(volunteer),
        participations=[domain.hours_entry(a, hours) for a, hours in held.participations],
        certificates=[
            HeldCertificate(
                number=c.number,
                period_from=c.period_from,
                period_to=c.period_to,
                certified_hours=float(c.certified_hours),
                issued_on=c.issued_on,
                issued_by=c.issued_by,
            )
            for c in held.certificates
        ],
        recorded=[
            RecordedActivity(
                activity_id=str(a.id),
                title=a.title,
                logged=a.logged_by == str(volunteer.id),
                verified=a.verified_by == str(volunteer.id),
                voided=a.voided_by == str(volunteer.id),
            )
            for a in held.recorded
        ],
    )


def activity_out(state: ActivityState, bookings: Sequence[tuple[Booking, str]] = ()) -> ActivityOut:
    """The answer: what the activity's events carry, who logged, verified or voided it, and
    the shared resources booked for it."""
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
        bookings=[
            ActivityBooking(
                booking_id=str(b.id),
                resource_id=str(b.resource_id),
                resource_name=name,
                starts_at=b.starts_at,
                ends_at=b.ends_at,
            )
            for b, name in bookings
        ],
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
        # Issued: both are set (a preview has neither, and is never answered here).
        check_code=data.check_code or "",
        verification_url=data.verification_url or "",
    )


@router.get("/activity-kinds", tags=["activities"])
async def list_kinds(session: SessionDep, user: CurrentUser) -> list[KindOut]:
    """The kinds of activity a team can log."""
    return [_kind_out(k) for k in await domain.list_kinds(session)]


@router.post("/activity-kinds", status_code=201, tags=["activities"])
async def define_kind(body: KindIn, session: SessionDep, user: CurrentUser) -> KindOut:
    """Add a kind of activity (a county_admin over all communities)."""
    async with unit_of_work(session):
        kind = await domain.define_kind(session, user, body)
    return _kind_out(kind)


def _kind_out(kind: ActivityKind) -> KindOut:
    return KindOut(code=kind.code, name=kind.name, category_hint=kind.category_hint)


# -- shared resources (资源联享) -----------------------------------------------------------


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(_settings(request).timezone)


@router.post("/resources", status_code=201, tags=["resources"])
async def offer_resource(body: ResourceIn, session: SessionDep, user: CurrentUser) -> ResourceOut:
    """Offer a hall, vehicle or piece of equipment (the community's admins), with its weekly
    opening hours; `shared_with_branch` lets the other communities of its branch book it."""
    async with unit_of_work(session):
        row = await domain.offer_resource(session, user, body)
    return resource_out(row)


@router.get("/resources", tags=["resources"])
async def list_resources(
    session: SessionDep,
    user: CurrentUser,
    paging: Paging,
    community_id: Slug | None = None,
    kind: ResourceKind | None = None,
    active: bool | None = None,
) -> Page[ResourceOut]:
    """The resources of the caller's communities, and those others of its branch share."""
    query = await domain.list_resources(session, user, community_id, kind, active)
    return await paginate(session, query, Resource.id, paging, to_item=resource_out)


@router.get("/resources/{resource_id}", tags=["resources"])
async def get_resource(resource_id: PathId, session: SessionDep, user: CurrentUser) -> ResourceOut:
    return resource_out(await domain.get_resource(session, user, resource_id))


@router.patch("/resources/{resource_id}", tags=["resources"])
async def change_resource(
    resource_id: PathId, body: ResourcePatch, session: SessionDep, user: CurrentUser
) -> ResourceOut:
    """Change a resource's details, opening hours or sharing (its community's admins)."""
    async with unit_of_work(session):
        row = await domain.change_resource(session, user, resource_id, body)
    return resource_out(row)


@router.post("/resources/{resource_id}/deactivate", tags=["resources"])
async def deactivate_resource(
    resource_id: PathId, session: SessionDep, user: CurrentUser
) -> ResourceOut:
    """No longer offer a resource (its community's admins); bookings made stay."""
    async with unit_of_work(session):
        row = await domain.deactivate_resource(session, user, resource_id)
    return resource_out(row)


@router.post("/resources/{resource_id}/bookings", status_code=201, tags=["resources"])
async def book_resource(
    resource_id: PathId, body: BookingIn, request: Request, session: SessionDep, user: CurrentUser
) -> BookingOut:
    """Book a resource for a time (the booking community's admins or team leaders), inside
    its opening hours (422 otherwise). A time that overlaps a booking is refused with 409,
    however many ask at once. `activity_id` names the activity the booking is for: the
    activity then shows it."""
    async with unit_of_work(session):
        booking, resource = await domain.book_resource(
            session, user, resource_id, body, _zone(request)
        )
    return booking_out(booking, resource.name)


@router.get("/resources/{resource_id}/bookings", tags=["resources"])
async def list_bookings(
    resource_id: PathId,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    paging: Paging,
    start: Start = None,
    end: End = None,
) -> Page[BookingOut]:
    """A resource's bookings, live and cancelled, that touch a period of days."""
    resource, query = await domain.list_bookings(
        session, user, resource_id, start, end, _settings(request).timezone
    )
    return await paginate(
        session,
        query,
        Booking.id,
        paging,
        to_item=lambda b: booking_out(b, resource.name),
    )


@router.post("/bookings/{booking_id}/cancel", tags=["resources"])
async def cancel_booking(booking_id: PathId, session: SessionDep, user: CurrentUser) -> BookingOut:
    """Cancel a booking (the booking community's admins or team leaders, or the resource's
    community's admins): its time is free again."""
    async with unit_of_work(session):
        booking, resource = await domain.cancel_booking(session, user, booking_id)
    return booking_out(booking, resource.name)


def resource_out(row: Resource) -> ResourceOut:
    data = domain.resource_data(row)
    return ResourceOut(id=data.pop("resource_id"), **data, created_at=row.created_at)


def booking_out(row: Booking, resource_name: str) -> BookingOut:
    data = domain.booking_data(row)
    return BookingOut(
        id=data.pop("booking_id"),
        **data,
        resource_name=resource_name,
        booked_by=row.booked_by,
        cancelled_by=row.cancelled_by,
        cancelled_at=row.cancelled_at,
        created_at=row.created_at,
    )
