"""What the activities API takes and answers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from services.activities.certificate_data import ServiceLine
from services.registry.replicas import ReplicaVolunteerOut
from shared.schemas import NEVER_NULL, Name, ShortText, Slug

Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Status = Literal["logged", "verified", "voided"]
# The orders of the activity list (`-`: descending): when it took place, how many people
# it served, the volunteer hours it holds (`domain.ACTIVITY_SORTS`).
ActivitySort = Literal[
    "started_at", "-started_at", "people_served", "-people_served", "hours", "-hours"
]
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParticipantIn(Strict):
    volunteer_id: uuid.UUID
    hours: Annotated[float, Field(gt=0, le=24, description="Hours of service, at most 24")]


class ActivityIn(Strict):
    community_id: Slug
    team_id: uuid.UUID
    kind: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    started_at: AwareDatetime
    ended_at: AwareDatetime
    location: ShortText | None = None
    participants: Annotated[list[ParticipantIn], Field(min_length=1, max_length=500)]
    people_served: Annotated[int, Field(ge=0, le=1_000_000)]
    beneficiaries: Annotated[
        dict[Key, Annotated[int, Field(ge=0, le=1_000_000)]], Field(max_length=20)
    ] = {}
    outputs: Annotated[
        dict[Key, Annotated[float, Field(ge=0, le=1_000_000_000)]], Field(max_length=20)
    ] = {}
    request_id: uuid.UUID | None = None

    @field_validator("started_at", "ended_at")
    @classmethod
    def _plausible(cls, moment: datetime) -> datetime:
        # Year 1 in a zone east of UTC is before the first datetime: it cannot be stored.
        if moment < EARLIEST:
            raise ValueError("a time before 1900 is no time of an activity")
        return moment


class ReasonIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class CorrectionIn(ActivityIn):
    """A corrected activity: the old one is voided with `reason` and this one replaces it."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ParticipantOut(BaseModel):
    volunteer_id: str
    hours: float


class ActivityBooking(BaseModel):
    """A booking made for an activity: which resource, and when."""

    booking_id: str
    resource_id: str
    resource_name: str
    starts_at: datetime
    ends_at: datetime


class ActivityOut(BaseModel):
    id: str
    community_id: str
    team_id: str
    category: str
    kind: str
    title: str
    started_at: datetime
    ended_at: datetime
    location: str | None
    participants: list[ParticipantOut]
    people_served: int
    beneficiaries: dict[str, int]
    outputs: dict[str, float]
    request_id: str | None
    status: Status
    logged_by: str
    verified_by: str | None
    verified_at: datetime | None
    voided_by: str | None
    voided_at: datetime | None
    void_reason: str | None
    corrects_activity_id: str | None
    corrected_by_activity_id: str | None
    created_at: datetime
    bookings: list[ActivityBooking] = Field(
        default_factory=list, description="Shared resources booked for it (资源联享)"
    )


class HoursEntry(BaseModel):
    activity_id: str
    title: str
    kind: str
    category: str
    team_id: str
    started_at: datetime
    ended_at: datetime
    hours: float
    status: Status


class VolunteerHours(BaseModel):
    volunteer_id: str
    total_hours: float
    certified_hours: float
    entries: list[HoursEntry]


class HeldCertificate(BaseModel):
    """A service certificate issued to the volunteer."""

    number: str
    period_from: date | None
    period_to: date | None
    certified_hours: float
    issued_on: date
    issued_by: str


class RecordedActivity(BaseModel):
    """An activity the volunteer logged, verified or voided themself (as a team leader)."""

    activity_id: str
    title: str
    logged: bool
    verified: bool
    voided: bool


class ActivitiesPersonalData(BaseModel):
    """Everything activities holds on one volunteer: hours on every activity (voided ones
    too), the certificates issued to them, and what they recorded themself."""

    service: Literal["activities"] = "activities"
    exported_at: datetime
    volunteer: ReplicaVolunteerOut
    participations: list[HoursEntry]
    certificates: list[HeldCertificate]
    recorded: list[RecordedActivity]


class KindIn(Strict):
    code: Slug
    name: Name
    category_hint: Slug | None = None


class KindOut(BaseModel):
    code: str
    name: str
    category_hint: str | None


class Period(BaseModel):
    start: date | None = None
    end: date | None = None


class CertificateOut(BaseModel):
    """An issued service certificate; `GET` on its path renders it as HTML or PDF."""

    number: str
    issued_on: date
    volunteer_id: str
    volunteer_name: str
    period: Period
    total_hours: float  # certified hours only
    lines: list[ServiceLine]
    organisation: str
    check_code: str = Field(
        description="Printed on the certificate: with the number, anyone"
        " may check it at `verification_url`."
    )
    verification_url: str = Field(description="The address the certificate's QR code holds.")


CheckStatus = Literal["valid", "superseded", "unknown"]


class CertificateCheck(BaseModel):
    """What anyone holding a certificate's number and check code may learn of it."""

    number: str
    status: CheckStatus = Field(
        description="valid: it holds as issued; superseded: an activity it counted was voided"
        " (or its hours changed) since; unknown: no certificate has this number and code."
    )
    volunteer_name: str | None = Field(None, description="Masked: 张*明.")
    certified_hours: float | None = None
    period: Period | None = None
    organisation: str | None = Field(None, description="Who issued it, as on the certificate.")
    issued_on: date | None = None


# -- shared resources (资源联享) -----------------------------------------------------------

ResourceKind = Literal["hall", "vehicle", "equipment", "other"]
BookingStatus = Literal["booked", "cancelled"]
ClockTime = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$"),
    Field(description="A time of day, HH:MM (00:00-23:59), in the deployment's time zone"),
]
UnitId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    Field(description="A resident unit's id, as the registry gives it"),
]


class OpeningHours(Strict):
    """One weekday's opening window: a booking lies inside one window of its day."""

    weekday: Annotated[int, Field(ge=1, le=7, description="1 Monday ... 7 Sunday (ISO)")]
    from_: Annotated[ClockTime, Field(alias="from")]
    to: ClockTime

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _closes_after_opening(self) -> Self:
        if self.to <= self.from_:
            raise ValueError("a window closes after it opens")
        return self


Availability = Annotated[list[OpeningHours], Field(min_length=1, max_length=50)]


class ResourceIn(Strict):
    community_id: Slug
    owner_unit_id: UnitId | None = None
    kind: ResourceKind
    name: Name
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    capacity: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    availability: Availability
    shared_with_branch: bool = False


class ResourcePatch(Strict):
    # Left out, these stay; sent, they must have a value.
    kind: ResourceKind | None = NEVER_NULL
    name: Name | None = NEVER_NULL
    description: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None
    ) = NEVER_NULL
    capacity: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    availability: Availability | None = NEVER_NULL
    shared_with_branch: bool | None = NEVER_NULL


class OpeningHoursOut(BaseModel):
    weekday: int
    from_: str = Field(alias="from")
    to: str


class ResourceOut(BaseModel):
    id: str
    community_id: str
    owner_unit_id: str | None
    kind: ResourceKind
    name: str
    description: str
    capacity: int | None
    availability: list[OpeningHoursOut]
    shared_with_branch: bool
    active: bool
    version: int
    created_at: datetime


class BookingIn(Strict):
    community_id: Slug = Field(description="The community that books (and will use) it")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    activity_id: uuid.UUID | None = None

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _plausible(cls, moment: datetime) -> datetime:
        if moment < EARLIEST:
            raise ValueError("a time before 1900 is no time of a booking")
        return moment


class BookingOut(BaseModel):
    id: str
    resource_id: str
    resource_name: str
    resource_community_id: str
    community_id: str
    starts_at: datetime
    ends_at: datetime
    purpose: str
    activity_id: str | None
    status: BookingStatus
    booked_by: str
    cancelled_by: str | None
    cancelled_at: datetime | None
    version: int
    created_at: datetime
