"""The PIPL routes of requests: a volunteer's part of an export, and residents' export and
erasure by phone number (the phone travels in the body: see `ResidentLookup`)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.requests import personal_data
from services.requests.api import care_out, request_out
from services.requests.care_api import recipient_out, today, visit_out
from services.requests.personal_data_schemas import (
    KeptMembership,
    KeptVolunteer,
    OrderAction,
    ResidentCare,
    ResidentEraseIn,
    ResidentErasure,
    ResidentLookup,
    ResidentPersonalData,
    VisitMade,
    VolunteerRecordsPersonalData,
)
from shared.auth import CurrentUser
from shared.db import utcnow
from shared.schemas import PathId
from shared.service import SessionDep
from shared.uow import unit_of_work

router = APIRouter(tags=["personal data"])


@router.get("/volunteer-records/{volunteer_id}/personal-data")
async def export_volunteer_records(
    volunteer_id: PathId, session: SessionDep, user: CurrentUser
) -> VolunteerRecordsPersonalData:
    """Everything requests holds on a volunteer (PIPL): the name and party membership it
    keeps, team memberships, the care tasks they are owed, visits they made and their moves
    on orders. For the community's admins and the volunteer themself; audited."""
    async with unit_of_work(session):
        held = await personal_data.export_volunteer(session, user, volunteer_id)
    return VolunteerRecordsPersonalData(
        exported_at=utcnow(),
        volunteer=KeptVolunteer.model_validate(held.volunteer),
        teams=[
            KeptMembership(team_id=str(m.team_id), team_name=name, member=m.member)
            for m, name in held.memberships
        ],
        care_tasks=[care_out(t) for t in held.care_tasks],
        visits=[
            VisitMade(
                id=str(v.id),
                care_recipient_id=str(v.care_recipient_id),
                visited_on=v.visited_on,
                on_time=v.on_time,
                recorded_by=v.recorded_by,
            )
            for v in held.visits
        ],
        order_actions=[
            OrderAction(
                request_id=str(a.request_id),
                action=a.action,
                at=a.at,
                from_status=a.from_status,
                to_status=a.to_status,
            )
            for a in held.actions
        ],
    )


@router.post("/residents/personal-data")
async def export_resident(
    body: ResidentLookup, request: Request, session: SessionDep, user: CurrentUser
) -> ResidentPersonalData:
    """Everything requests holds on the resident with this phone number in a community
    (PIPL): their orders with their history, their care-register records with the visits.
    The community's admins; audited by the records' ids. A POST so that the phone number
    stays out of access logs."""
    async with unit_of_work(session):
        held = await personal_data.export_resident(session, user, body)
    on = today(request)
    return ResidentPersonalData(
        export_id=str(held.export_id),
        exported_at=utcnow(),
        community_id=held.community_id,
        orders=[request_out(o, user, held.history.get(o.id, [])) for o in held.orders],
        care=[
            ResidentCare(
                recipient=recipient_out(r, user, on),
                visits=[visit_out(v) for v in held.visits.get(r.id, [])],
            )
            for r in held.recipients
        ],
    )


@router.post("/residents/erase")
async def erase_resident(
    body: ResidentEraseIn, session: SessionDep, user: CurrentUser
) -> ResidentErasure:
    """Erase the resident with this phone number in a community (PIPL; its admins): name,
    phone and address removed from their orders, and from their care-register records with
    the notes about them. Orders, visits and every count stay. Erasing again finds nobody
    and changes nothing; each request is audited."""
    async with unit_of_work(session):
        erasure = await personal_data.erase_resident(session, user, body, utcnow())
    return ResidentErasure(
        erasure_id=str(erasure.erasure_id),
        community_id=erasure.community_id,
        orders=len(erasure.request_ids),
        care_recipients=len(erasure.care_recipient_ids),
        erased_at=erasure.at,
    )
