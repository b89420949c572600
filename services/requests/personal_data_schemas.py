"""What the PIPL routes of requests take and answer: a volunteer's part of an export, and a
resident's export and erasure by phone number."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.registry.replicas import ReplicaVolunteerOut
from services.requests.care_schemas import CareRecipientOut, CareVisitOut
from services.requests.schemas import CareTaskOut, RequestOut, Strict
from shared.personal_data import ErasureReason
from shared.schemas import Phone, Slug

# -- a volunteer ----------------------------------------------------------------------


class KeptVolunteer(ReplicaVolunteerOut):
    is_party_member: bool
    party_joined_on: date | None


class KeptMembership(BaseModel):
    team_id: str
    team_name: str | None
    member: bool = Field(description="False: they left the team.")


class VisitMade(BaseModel):
    """A visit to a person under care that the volunteer made (who was visited is that
    person's data, not theirs: the record's id only)."""

    id: str
    care_recipient_id: str
    visited_on: date
    on_time: bool
    recorded_by: str


class OrderAction(BaseModel):
    """A move the volunteer made on an order, as a team leader or member."""

    request_id: str
    action: str
    at: datetime
    from_status: str | None
    to_status: str


class VolunteerRecordsPersonalData(BaseModel):
    """Everything requests holds on one volunteer."""

    service: Literal["requests"] = "requests"
    exported_at: datetime
    volunteer: KeptVolunteer
    teams: list[KeptMembership]
    care_tasks: list[CareTaskOut] = Field(description="The visits and talks they are owed.")
    visits: list[VisitMade]
    order_actions: list[OrderAction]


# -- a resident, by phone number ------------------------------------------------------


class ResidentLookup(Strict):
    """A resident of a community, by phone number: in the body, so that no phone number
    lands in an access log, a proxy's log or a browser's history."""

    community_id: Slug
    phone: Phone


class ResidentEraseIn(ResidentLookup):
    reason: ErasureReason


class ResidentCare(BaseModel):
    recipient: CareRecipientOut
    visits: list[CareVisitOut]


class ResidentPersonalData(BaseModel):
    """Everything requests holds on the resident with this phone in this community."""

    service: Literal["requests"] = "requests"
    export_id: str = Field(description="The id the audit log records this export by.")
    exported_at: datetime
    community_id: str
    orders: list[RequestOut] = Field(description="Their service orders, with the history.")
    care: list[ResidentCare] = Field(description="Their care-register records (关爱对象).")


class ResidentErasure(BaseModel):
    erasure_id: str = Field(description="The id the audit log records this erasure by.")
    community_id: str
    orders: int = Field(description="Orders whose resident was anonymised.")
    care_recipients: int = Field(description="Care-register records anonymised.")
    erased_at: datetime
