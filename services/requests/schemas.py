"""What the requests API takes and answers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.schemas import LongText, Name, Phone, ShortText, Slug

Channel = Literal["walk_in", "phone", "online", "county_platform"]
Mode = Literal["door_to_door", "centralized"]
Urgency = Literal["normal", "urgent"]
RequestStatus = Literal["submitted", "assigned", "accepted", "completed", "cancelled"]
OPEN_STATUSES: tuple[str, ...] = ("submitted", "assigned", "accepted")
CareStatus = Literal["open", "done"]
# The orders of the lists (`-`: descending; `domain.REQUEST_SORTS`, `domain.CARE_TASK_SORTS`):
# orders by when they are due or came in; care tasks by due day, when done, or whom for.
RequestSort = Literal["due_at", "-due_at", "submitted_at", "-submitted_at"]
CareTaskSort = Literal[
    "due_on", "-due_on", "completed_at", "-completed_at", "volunteer_name", "-volunteer_name"
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Resident(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    phone: Phone
    address: ShortText | None = None


class RequestIn(Strict):
    community_id: Slug
    service_kind: Slug
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ]
    resident: Resident
    channel: Channel
    mode: Mode
    paid: bool
    price: Annotated[float, Field(ge=0, le=1_000_000)] | None = None
    urgency: Urgency = "normal"

    @model_validator(mode="after")
    def _price_only_when_paid(self) -> RequestIn:
        if self.price is not None and not self.paid:
            raise ValueError("price is only for paid services (paid: true)")
        return self


class AssignIn(Strict):
    team_id: uuid.UUID


class EscalateIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class CompleteIn(Strict):
    note: LongText | None = None
    activity_id: uuid.UUID | None = None


class CancelIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class RateIn(Strict):
    score: Annotated[int, Field(ge=1, le=5)]
    comment: ShortText | None = None


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    note: str | None


class ResidentOut(BaseModel):
    """Whole to the community's admins, and to the assigned team (and, served for another
    community, to its admins) while the order is open; else masked: the name's and the
    address's first character and a star, the phone `135****5678`."""

    name: str
    phone: str
    address: str | None


class RequestOut(BaseModel):
    id: str
    community_id: str
    service_kind: str
    category: str
    description: str
    resident: ResidentOut
    channel: str
    mode: str
    paid: bool
    price: float | None
    urgency: str
    status: RequestStatus
    team_id: str | None
    due_at: datetime
    overdue: bool
    escalated_at: datetime | None = Field(
        description="When its community escalated it to the branch (服务难题联解)."
    )
    escalation_reason: str | None
    escalation_overdue: bool = Field(
        description="Escalated, and the branch gave it no team within the allowed time."
    )
    serving_community_id: str | None = Field(
        description="The community of the team assigned; the order stays `community_id`'s."
    )
    serving_unit_id: str | None = Field(
        description="The resident unit (驻区单位) whose team is assigned, if a unit's team."
    )
    submitted_at: datetime
    completed_at: datetime | None
    completion_note: str | None
    activity_id: str | None
    cancel_reason: str | None
    rating: int | None
    rating_comment: str | None
    history: list[HistoryOut] = []


class CareCompleteIn(Strict):
    note: LongText | None = None


class CareTaskOut(BaseModel):
    id: str
    community_id: str
    volunteer_id: str
    volunteer_name: str
    kind: str
    reason: str
    owner: str
    due_on: date
    status: CareStatus
    overdue: bool
    note: str | None
    completed_at: datetime | None
    completed_by: str | None
    created_at: datetime


class ServiceKindIn(Strict):
    name: Name
    category: Slug


class ServiceKindOut(BaseModel):
    code: str
    name: str
    category: str
