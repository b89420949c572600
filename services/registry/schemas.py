"""What the registry's API takes and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shared.db import utcnow
from shared.schemas import NEVER_NULL, Id, Name, Phone, ShortText, Slug

Gender = Literal["male", "female"]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]
LifeEventKind = Literal[
    "ill",
    "hospitalized",
    "major_difficulty",
    "missed_dues",
    "missed_org_life",
    "job_change",
    "commended",
    "disciplined",
    "negative_feedback",
    "retired",
]
# The orders of the lists (`-`: descending; `domain.TEAM_SORTS`, `domain.VOLUNTEER_SORTS`):
# by name (pinyin order), by when registered, by active members or by year of birth.
TeamSort = Literal["name", "-name", "created_at", "-created_at", "member_count", "-member_count"]
VolunteerSort = Literal["name", "-name", "created_at", "-created_at", "birth_year", "-birth_year"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- communities and resident units ----------------------------------------------


class CommunityIn(Strict):
    id: Slug
    name: Name
    branch: Name | None = None


class CommunityOut(BaseModel):
    id: str
    name: str
    branch: str | None
    created_at: datetime


class ResidentUnitIn(Strict):
    community_id: Slug
    name: Name
    kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    contact_name: Name | None = None
    contact_phone: Phone | None = None


class ResidentUnitOut(BaseModel):
    id: str
    community_id: str
    name: str
    kind: str
    contact_name: str | None
    contact_phone: str | None
    created_at: datetime


# -- categories ------------------------------------------------------------------


class CategoryIn(Strict):
    code: Slug
    name: Name
    description: ShortText = ""


class CategoryPatch(Strict):
    name: Name | None = None
    description: ShortText | None = None


class CategoryOut(BaseModel):
    code: str
    name: str
    description: str


# -- teams -----------------------------------------------------------------------


class TeamIn(Strict):
    community_id: Slug
    category: Slug
    name: Name
    leader_volunteer_id: Id | None = None


class TeamPatch(Strict):
    name: Name | None = None
    leader_volunteer_id: Id | None = None


class TeamOut(BaseModel):
    id: str
    community_id: str
    category: str
    name: str
    leader_volunteer_id: str | None
    status: str
    member_count: int = 0
    created_at: datetime


class MemberIn(Strict):
    volunteer_id: Id


class MemberOut(BaseModel):
    team_id: str
    volunteer_id: str
    joined_at: datetime


# -- volunteers ------------------------------------------------------------------


def _check_party_fields(
    is_party_member: bool | None, joined: date | None, birth_year: int | None
) -> None:
    if joined is None:
        return
    if is_party_member is False:
        raise ValueError("party_joined_on is only for party members")
    if joined > utcnow().date():
        raise ValueError("party_joined_on is in the future")
    if birth_year is not None and joined.year < birth_year + 18:
        raise ValueError("party_joined_on is before the volunteer turned 18")


BirthYear = Annotated[int, Field(ge=1900, le=2100)]


class VolunteerIn(Strict):
    community_id: Slug
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
    phone: Phone
    gender: Gender | None = None
    birth_year: BirthYear | None = None
    skills: Annotated[list[Skill], Field(max_length=20)] = []
    availability: ShortText | None = None
    is_party_member: bool = False
    party_joined_on: date | None = None

    @field_validator("birth_year")
    @classmethod
    def _born(cls, year: int | None) -> int | None:
        if year is not None and year > utcnow().year:
            raise ValueError("birth_year is in the future")
        return year

    @field_validator("party_joined_on")
    @classmethod
    def _party(cls, joined: date | None, info: ValidationInfo) -> date | None:
        _check_party_fields(info.data.get("is_party_member"), joined, info.data.get("birth_year"))
        return joined


class VolunteerPatch(Strict):
    # Left out, these stay; sent, they must have a value (`lifecycle.REQUIRED`).
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)] | None
    ) = NEVER_NULL
    phone: Phone | None = NEVER_NULL
    gender: Gender | None = None
    birth_year: BirthYear | None = None
    skills: Annotated[list[Skill], Field(max_length=20)] | None = None
    availability: ShortText | None = None
    is_party_member: bool | None = NEVER_NULL
    party_joined_on: date | None = None

    @field_validator("party_joined_on")
    @classmethod
    def _party(cls, joined: date | None, info: ValidationInfo) -> date | None:
        _check_party_fields(info.data.get("is_party_member"), joined, info.data.get("birth_year"))
        return joined


class DeactivateIn(Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class VolunteerOut(BaseModel):
    id: str
    community_id: str
    name: str
    phone: str
    gender: str | None
    birth_year: int | None
    skills: list[str]
    availability: str | None
    is_party_member: bool
    party_joined_on: date | None
    political_birthday: str | None = Field(
        None, description="Month and day (MM-DD) the volunteer joined the party."
    )
    active: bool
    deactivated_reason: str | None
    team_ids: list[str] = []
    created_at: datetime
    updated_at: datetime


class ImportError_(BaseModel):
    row: int
    detail: str


class ImportResult(BaseModel):
    created: int
    errors: list[ImportError_]


# -- life events -----------------------------------------------------------------


class LifeEventIn(Strict):
    kind: LifeEventKind
    occurred_on: date
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None

    @field_validator("occurred_on")
    @classmethod
    def _not_future(cls, occurred_on: date) -> date:
        if occurred_on > utcnow().date():
            raise ValueError("occurred_on is in the future")
        return occurred_on


class LifeEventOut(BaseModel):
    id: str
    volunteer_id: str
    community_id: str
    kind: str
    occurred_on: date
    note: str | None
    recorded_by: str
    created_at: datetime
