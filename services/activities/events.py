"""Events the activities service publishes on `qise.activities.events`.

Each carries the activity's whole state and a `version`, so a reader keeps
the newest state whatever the order of arrival.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.activities.schemas import Status
from shared.events import EventCatalog, EventData, Versioned
from shared.personal_data import PersonalDataExported

TOPIC = "qise.activities.events"


class ParticipantHours(BaseModel):
    volunteer_id: str
    hours: float


class ActivityState(EventData):
    activity_id: str
    community_id: str
    team_id: str
    category: str
    kind: str
    title: str
    started_at: datetime
    ended_at: datetime
    location: str | None = None
    people_served: int
    beneficiaries: dict[str, int] = Field(default_factory=dict)
    outputs: dict[str, float] = Field(default_factory=dict)
    participants: list[ParticipantHours] = Field(default_factory=list)
    request_id: str | None = None
    status: Status
    corrects_activity_id: str | None = None
    version: int


class ActivityLogged(ActivityState):
    event_type = "qise.activity.logged.v1"
    summary = "A team logged an activity with its volunteers' hours."


class ActivityVerified(ActivityState):
    event_type = "qise.activity.verified.v1"
    summary = "An activity was verified: its hours are now certified."
    verified_by: str


class ActivityVoided(ActivityState):
    event_type = "qise.activity.voided.v1"
    summary = "An activity was voided; it no longer counts anywhere."
    reason: str
    voided_by: str


class ActivityKindDefined(Versioned):
    event_type = "qise.activity_kind.defined.v1"
    summary = "A county added a kind of activity."
    code: str
    name: str
    category_hint: str | None = None


class CertificateIssued(EventData):
    event_type = "qise.certificate.issued.v1"
    summary = "A service certificate (志愿服务证明) was issued for a volunteer's certified hours."
    number: str
    volunteer_id: str
    community_id: str
    certified_hours: float
    period_from: date | None = None
    period_to: date | None = None


class VolunteerHoursPersonalDataExported(PersonalDataExported):
    event_type = "qise.volunteer_hours.personal_data_exported.v1"
    summary = (
        "What activities holds on a volunteer (hours, certificates) was exported (PIPL): the"
        " audit record, with no personal data; the actor is who asked."
    )


# -- shared resources (资源联享): the resource's community is the event's --------------


class OpeningWindow(BaseModel):
    weekday: int = Field(ge=1, le=7, description="1 Monday ... 7 Sunday (ISO)")
    from_: str = Field(alias="from", description="HH:MM, the deployment's time zone")
    to: str

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class ResourceState(EventData):
    resource_id: str
    community_id: str
    owner_unit_id: str | None = None
    kind: str
    name: str
    description: str = ""
    capacity: int | None = None
    availability: list[OpeningWindow] = Field(default_factory=list)
    shared_with_branch: bool
    active: bool
    version: int = Field(ge=1, description="The resource's version: each change one higher.")


class ResourceOffered(ResourceState):
    event_type = "qise.resource.offered.v1"
    summary = "A community (or one of its resident units) offered a resource to book."


class ResourceChanged(ResourceState):
    event_type = "qise.resource.changed.v1"
    summary = "A resource's details, opening hours or sharing changed, or it was deactivated."


# -- bookings: the booking community is the event's ----------------------------------


class BookingState(EventData):
    booking_id: str
    resource_id: str
    resource_community_id: str
    community_id: str
    starts_at: datetime
    ends_at: datetime
    purpose: str
    activity_id: str | None = Field(None, description="The activity the booking is for")
    status: str = Field(description="booked | cancelled")
    version: int = Field(ge=1, description="The booking's version: each change one higher.")


class ResourceBooked(BookingState):
    event_type = "qise.resource.booked.v1"
    summary = "A community booked a resource for a time (never overlapping another booking)."
    booked_by: str


class BookingCancelled(BookingState):
    event_type = "qise.booking.cancelled.v1"
    summary = "A booking was cancelled: its time is free again."
    cancelled_by: str


CATALOG = EventCatalog(
    [
        ActivityLogged,
        ActivityVerified,
        ActivityVoided,
        ActivityKindDefined,
        CertificateIssued,
        VolunteerHoursPersonalDataExported,
        ResourceOffered,
        ResourceChanged,
        ResourceBooked,
        BookingCancelled,
    ]
)
