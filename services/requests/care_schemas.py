"""What the care register (关爱对象) API takes and answers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.schemas import NEVER_NULL, LongText, Phone, ShortText, Slug

CareKind = Literal["elderly_alone", "disabled", "left_behind_child", "family_in_difficulty"]
CareRecipientStatus = Literal["active", "ended"]
# Every N days, from daily to once a year (7 = weekly, 30 = monthly).
PlanDays = Annotated[int, Field(ge=1, le=366)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CareRecipientIn(Strict):
    community_id: Slug
    name: PersonName
    phone: Phone
    address: ShortText | None = None
    kind: CareKind
    consent: Literal[True] = Field(
        description="The person (or their guardian) agreed to be registered: must be true"
    )
    consent_on: date = Field(description="The day consent was given; not after today")
    under_care_since: date | None = Field(
        None,
        description="The day care began (default today); not before consent_on, not after today."
        " The first visit is due `plan_days` after it.",
    )
    plan_days: PlanDays = Field(description="A visit every this many days (7 = weekly)")
    team_id: uuid.UUID | None = Field(
        None, description="The responsible team: an orange team of the community"
    )
    notes: LongText | None = None


class CareRecipientPatch(Strict):
    """Left out, a field stays; `address`, `team_id` and `notes` sent as null are cleared."""

    name: PersonName | None = NEVER_NULL
    phone: Phone | None = NEVER_NULL
    address: ShortText | None = None
    kind: CareKind | None = NEVER_NULL
    plan_days: PlanDays | None = NEVER_NULL
    team_id: uuid.UUID | None = None
    notes: LongText | None = None


class CareEndIn(Strict):
    reason: Reason


class CareVisitIn(Strict):
    visited_on: date = Field(description="Not after today, not before care began")
    team_id: uuid.UUID | None = Field(
        None,
        description="The visiting team (a team of the community); for the responsible team's"
        " leader or member, that team by default",
    )
    volunteer_id: uuid.UUID | None = Field(
        None,
        description="The visiting volunteer (a volunteer of the community); for a team leader"
        " or member, themselves by default",
    )
    note: LongText | None = None


class CareRecipientOut(BaseModel):
    id: str
    community_id: str
    name: str
    phone: str = Field(description="Whole for the community's admins, masked for others")
    address: str | None
    kind: CareKind
    consent_on: date
    consent_recorded_by: str
    under_care_since: date
    plan_days: int
    team_id: str | None
    notes: str | None
    status: CareRecipientStatus
    last_visited_on: date | None
    next_due_on: date
    overdue: bool = Field(description="Under care and today (Asia/Shanghai) is past next_due_on")
    visits: int
    ended_on: date | None
    end_reason: str | None
    registered_at: datetime


class CareVisitOut(BaseModel):
    id: str
    care_recipient_id: str
    community_id: str
    visited_on: date
    due_on: date = Field(description="The day this visit was due by")
    on_time: bool
    team_id: str | None
    volunteer_id: str | None
    note: str | None
    recorded_by: str
    recorded_at: datetime


class CareSummaryOut(BaseModel):
    """Per community: people under care, how many are overdue for a visit, by kind."""

    community_id: str
    under_care: int
    overdue: int
    by_kind: dict[str, int]
