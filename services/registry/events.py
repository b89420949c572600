"""Events the registry publishes on `qise.registry.events`: its public contract.

Every event about an entity carries a `version` that grows with each of its
changes, so a reader can apply them in any order and keep the newest; volunteer
and team events carry the whole state. A join or a leave is a change of the team
(made under the team's lock), so membership events carry the team's version: of
two events about one (team, volunteer), the higher version is the later. Phones
travel masked: whole numbers never leave the registry. An erased volunteer's last
event (`qise.volunteer.erased.v1`) carries the anonymised state: replicas keep it.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from shared.events import EventCatalog, EventData, Reports, Versioned
from shared.personal_data import PersonalDataExported

TOPIC = "qise.registry.events"


class CommunityCreated(Versioned):
    event_type = "qise.community.created.v1"
    summary = "A community joined the deployment, under a branch (the branch's id)."
    community_id: str
    name: str
    branch: str | None = None


class BranchState(Versioned):
    branch_id: str
    name: str
    # Phones travel masked: whole numbers never leave the registry.
    secretary_name: str | None = None
    secretary_phone_masked: str | None = None


class BranchRegistered(BranchState):
    event_type = "qise.branch.registered.v1"
    summary = "A community big branch (社区大支部) was registered."


class BranchChanged(BranchState):
    event_type = "qise.branch.changed.v1"
    summary = "A branch was renamed or got another secretary; carries its new state."


class CategoryDefined(Versioned):
    event_type = "qise.category.defined.v1"
    summary = "A service category (color) was added or renamed."
    code: str
    name: str
    description: str = ""
    position: int = 100


class TeamState(EventData):
    team_id: str
    community_id: str
    category: str
    name: str
    leader_volunteer_id: str | None = None
    status: Literal["active", "inactive"] = "active"
    # The resident unit that formed the team; absent from events before units formed teams.
    unit_id: str | None = None
    version: int = 1


class TeamRegistered(TeamState):
    event_type = "qise.team.registered.v1"
    summary = "A service team was registered."


class TeamUpdated(TeamState):
    event_type = "qise.team.updated.v1"
    summary = "A team was renamed, got a new leader, or was deactivated; carries its new state."


class VolunteerState(EventData):
    volunteer_id: str
    community_id: str
    name: str
    phone_masked: str
    gender: str | None = None
    birth_year: int | None = None
    skills: list[str] = Field(default_factory=list)
    is_party_member: bool = False
    party_joined_on: date | None = None
    active: bool = True
    # The resident unit whose working party member this is; absent from earlier events.
    unit_id: str | None = None
    version: int = 1


class VolunteerRegistered(VolunteerState):
    event_type = "qise.volunteer.registered.v1"
    summary = "A volunteer was registered in a community."


class VolunteerUpdated(VolunteerState):
    event_type = "qise.volunteer.updated.v1"
    summary = "A volunteer's details changed; carries the new state."


class VolunteerDeactivated(VolunteerState):
    event_type = "qise.volunteer.deactivated.v1"
    summary = "A volunteer left active service (kept, not deleted); carries the final state."
    reason: str = ""


class VolunteerErased(VolunteerState):
    event_type = "qise.volunteer.erased.v1"
    summary = (
        "A volunteer's personal data was erased on request (PIPL): carries the anonymised state"
        " (a placeholder name, no phone, birth year, skills or unit) for every replica to keep;"
        " id, community, party membership and active status are unchanged."
    )
    reason: str = ""


class VolunteerPersonalDataExported(PersonalDataExported):
    event_type = "qise.volunteer.personal_data_exported.v1"
    summary = (
        "What the registry holds on a volunteer was exported (PIPL): the audit record, with"
        " no personal data; the actor is who asked."
    )


class TeamMemberJoined(Versioned):
    event_type = "qise.team.member_joined.v1"
    summary = "A volunteer joined a team."
    team_id: str
    volunteer_id: str


class TeamMemberLeft(Versioned):
    event_type = "qise.team.member_left.v1"
    summary = "A volunteer left a team."
    team_id: str
    volunteer_id: str


class PartyMemberLifeEventRecorded(EventData):
    event_type = "qise.party_member.life_event_recorded.v1"
    summary = (
        "Something happened in a party member's life that calls for a visit or a talk"
        " (三必访五必谈)."
    )
    life_event_id: str
    volunteer_id: str
    volunteer_name: str
    kind: str
    occurred_on: date
    note: str | None = None


class ResidentUnitRegistered(Versioned):
    event_type = "qise.resident_unit.registered.v1"
    summary = "A resident unit (驻区单位) joined a community's co-building."
    resident_unit_id: str
    community_id: str
    name: str
    kind: str


class ResidentUnitAgreementSigned(Versioned):
    event_type = "qise.resident_unit.agreement_signed.v1"
    summary = "A resident unit agreed with its branch what it brings (共驻共建), for a period."
    agreement_id: str
    resident_unit_id: str
    community_id: str
    brings: list[str]
    starts_on: date
    ends_on: date


# The registry as its replicas keep it: each state event, the entity it reports and the
# field holding the entity's key. Memberships are pairs, which a replica keeps by
# `replicas.membership_row`.
REPLICA: dict[str, Reports] = {
    CommunityCreated.event_type: Reports("community", "community_id"),
    CategoryDefined.event_type: Reports("category", "code"),
    TeamRegistered.event_type: Reports("team", "team_id"),
    TeamUpdated.event_type: Reports("team", "team_id"),
    VolunteerRegistered.event_type: Reports("volunteer", "volunteer_id"),
    VolunteerUpdated.event_type: Reports("volunteer", "volunteer_id"),
    VolunteerDeactivated.event_type: Reports("volunteer", "volunteer_id"),
    VolunteerErased.event_type: Reports("volunteer", "volunteer_id"),
}
MEMBERSHIPS = (TeamMemberJoined.event_type, TeamMemberLeft.event_type)

CATALOG = EventCatalog(
    [
        BranchRegistered,
        BranchChanged,
        CommunityCreated,
        ResidentUnitRegistered,
        ResidentUnitAgreementSigned,
        CategoryDefined,
        TeamRegistered,
        TeamUpdated,
        VolunteerRegistered,
        VolunteerUpdated,
        VolunteerDeactivated,
        VolunteerErased,
        VolunteerPersonalDataExported,
        TeamMemberJoined,
        TeamMemberLeft,
        PartyMemberLifeEventRecorded,
    ]
)
