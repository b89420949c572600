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
    WithJsonSchema,
    field_validator,
)

from shared.personal_data import ErasureReason
from shared.schemas import NEVER_NULL, Id, Name, Phone, ShortText, Slug
from shared.settings import county_today

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


# -- branches, communities and resident units --------------------------------------


# A branch's id: a slug, or the label a community named as its branch before branches
# were records. Malformed, it names nothing: 404.
PathBranch = Annotated[str, WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 100})]


class BranchIn(Strict):
    id: Slug
    name: Name
    secretary_name: Name | None = None
    secretary_phone: Phone | None = None


class BranchPatch(Strict):
    # Left out, these stay; the secretary's may be cleared with null, the name may not.
    name: Name | None = NEVER_NULL
    secretary_name: Name | None = None
    secretary_phone: Phone | None = None


class BranchOut(BaseModel):
    id: str
    name: str
    secretary_name: str | None
    secretary_phone: str | None = Field(
        description="Whole to county admins and the branch's admins, masked to anyone else."
    )
    community_ids: list[str] = []
    created_at: datetime


class BranchCommunity(BaseModel):
    id: str
    name: str


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


Brings = Literal["volunteers", "venues", "vehicles", "funds", "services"]


class AgreementIn(Strict):
    brings: Annotated[
        list[Brings], Field(min_length=1, max_length=5, json_schema_extra={"uniqueItems": True})
    ]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    starts_on: date
    ends_on: date = Field(description="The last day of the agreement; not before starts_on.")

    @field_validator("brings")
    @classmethod
    def _once_each(cls, brings: list[str]) -> list[str]:
        if len(set(brings)) != len(brings):
            raise ValueError("each thing brought is named once")
        return brings

    @field_validator("ends_on")
    @classmethod
    def _after_start(cls, ends_on: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and ends_on < starts_on:
            raise ValueError("ends_on is before starts_on")
        return ends_on


class AgreementOut(BaseModel):
    id: str
    resident_unit_id: str
    community_id: str
    brings: list[str]
    description: str
    starts_on: date
    ends_on: date
    active: bool = Field(description="Whether today falls within starts_on..ends_on.")
    created_at: datetime


class ResidentUnitDetail(ResidentUnitOut):
    branch: str | None
    agreements: list[AgreementOut]


class BranchDetail(BranchOut):
    communities: list[BranchCommunity]
    resident_units: list[ResidentUnitOut] = Field(
        description="The units of the branch's communities that the caller may see."
    )


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
    unit_id: Id | None = Field(None, description="The resident unit (of the community) forming it.")


class TeamPatch(Strict):
    name: Name | None = None
    leader_volunteer_id: Id | None = None


class TeamOut(BaseModel):
    id: str
    community_id: str
    category: str
    name: str
    leader_volunteer_id: str | None
    unit_id: str | None = None
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
    if joined > county_today():
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
    unit_id: Id | None = Field(
        None, description="A resident unit of the community or of its branch (双报到)."
    )

    @field_validator("birth_year")
    @classmethod
    def _born(cls, year: int | None) -> int | None:
        if year is not None and year > county_today().year:
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
    unit_id: Id | None = Field(None, description="null: no longer of a resident unit.")

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
    phone: str = Field(
        description="Whole to the community's admins, masked to others; '' once erased."
    )
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
    unit_id: str | None = None
    team_ids: list[str] = []
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None = Field(
        None, description="When the volunteer's personal data was erased on request (PIPL)."
    )


class EraseIn(Strict):
    reason: ErasureReason


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
        if occurred_on > county_today():
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


# -- personal data (PIPL) ----------------------------------------------------------


class PersonalTeam(BaseModel):
    """A team the volunteer is on or leads."""

    team_id: str
    community_id: str
    name: str
    category: str
    member: bool
    joined_at: datetime | None = Field(None, description="When they joined, if a member.")
    leader: bool


class PersonalUnit(BaseModel):
    """The resident unit whose working party member they are (双报到)."""

    id: str
    name: str
    kind: str


class RegistryPersonalData(BaseModel):
    """Everything the registry holds on one volunteer."""

    service: Literal["registry"] = "registry"
    exported_at: datetime
    volunteer: VolunteerOut = Field(description="The record, the phone whole.")
    teams: list[PersonalTeam]
    unit: PersonalUnit | None
    life_events: list[LifeEventOut]
