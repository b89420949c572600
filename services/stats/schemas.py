"""What the stats API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.registry.replicas import ReplicaVolunteerOut

Scope = Literal["county", "branch", "community"]
Interval = Literal["day", "week", "month"]
Metric = Literal[
    "activities",
    "people_served",
    "volunteer_hours",
    "certified_hours",
    "requests_submitted",
    "requests_completed",
    "income",
]
RankBy = Literal["hours", "certified_hours"]


class RequestFigures(BaseModel):
    submitted: int = 0
    open: int = 0
    completed: int = 0
    cancelled: int = 0
    overdue: int = 0
    on_time_rate: float | None = None
    avg_rating: float | None = None


class CareTaskFigures(BaseModel):
    open: int = 0
    done: int = 0
    overdue: int = 0


class UnitWork(BaseModel):
    """A resident unit (驻区单位) of the branch and the orders its teams served for the
    branch's other communities."""

    unit_id: str
    name: str
    community_id: str = Field(description="The community the unit is registered under")
    given: int = Field(description="Completed orders of other communities its teams served")


class BranchWork(BaseModel):
    """服务难题联解: orders served across the branch's communities, within the period."""

    given: int = Field(
        0, description="Completed orders of other communities served by this area's teams"
    )
    received: int = Field(
        0, description="Completed orders of this area's communities served by other communities"
    )
    escalated: int = Field(0, description="Orders escalated to the branch")
    escalations_waiting: int = Field(
        0, description="Escalated orders still open that the branch has not given a team yet"
    )
    escalations_overdue: int = Field(
        0, description="Of those, the ones flagged as waiting longer than allowed"
    )
    units: list[UnitWork] = Field(
        default_factory=list,
        description="Per resident unit of the branch (branch scope; empty otherwise)",
    )


class CareRegisterFigures(BaseModel):
    """关爱对象: people under care and their visits; counts only, never a person."""

    under_care: int = Field(0, description="People under care now")
    by_kind: dict[str, int] = Field(
        default_factory=dict, description="People under care now, per kind"
    )
    visits: int = Field(0, description="Visits made within the period")
    visits_on_time: int = Field(0, description="Of those, the ones within the visit plan")
    overdue: int = Field(
        0, description="People under care whose next visit is past due today (Asia/Shanghai)"
    )


class CategoryFigures(BaseModel):
    category: str
    name: str
    teams: int = 0
    volunteers: int = 0
    activities: int = 0
    people_served: int = 0
    volunteer_hours: float = 0.0
    certified_hours: float = 0.0
    requests: int = 0


class Overview(BaseModel):
    scope: Scope
    id: str | None
    name: str
    start: date | None
    end: date | None
    communities: list[str]
    volunteers: int
    party_member_volunteers: int
    teams: int
    activities: int = 0
    people_served: int = 0
    volunteer_hours: float = 0.0
    certified_hours: float = 0.0
    requests: RequestFigures
    paid_orders: int = Field(
        0, description="Completed paid orders among the period's orders (壮大集体经济)"
    )
    income: float = Field(
        0.0, description="The sum of those orders' prices, in yuan: the collective's income"
    )
    care_tasks: CareTaskFigures
    branch_work: BranchWork = Field(
        default_factory=BranchWork,
        description="Orders of the period served across the branch (服务难题联解); escalations"
        " waiting are as they stand now",
    )
    care_register: CareRegisterFigures = Field(
        default_factory=CareRegisterFigures,
        description="People under care as they stand now, visits within the period",
    )
    by_category: list[CategoryFigures]
    as_of: datetime | None


class Point(BaseModel):
    period: str
    value: float


class Ranked(BaseModel):
    rank: int
    volunteer_id: str
    name: str
    community_id: str
    hours: float
    certified_hours: float


class OpenRequest(BaseModel):
    request_id: str
    community_id: str
    category: str
    service_kind: str
    status: str
    submitted_at: datetime
    due_at: datetime
    overdue: bool


class AreaCommunity(BaseModel):
    id: str
    name: str
    branch: str | None
    branch_name: str | None = Field(
        None, description="The branch's name (its id until stats has the branch's record)"
    )


class Areas(BaseModel):
    communities: list[AreaCommunity]
    branches: list[str] = Field(description="The branches' ids, for `scope=branch&id=`")
    branch_names: dict[str, str] = Field(
        default_factory=dict,
        description="Each branch's name by its id (its id until stats has the branch's record)",
    )
    county: bool
    county_scope: bool = Field(
        description="Whether `scope=county` answers this token: the whole county to a"
        " county_admin over all communities, all of the token's communities to the roles"
        " below; a county_admin limited to some communities is refused it (403)"
    )


class ConsumerLag(BaseModel):
    consumer: str
    topic: str
    partitions: list[int]
    lag: int | None
    applied: int


class Lag(BaseModel):
    as_of: datetime | None
    generation: int
    # The generation being built beside it (GET /admin/rebuild tells its progress).
    building: int | None = None
    consumers: list[ConsumerLag]


class RebuildPartition(BaseModel):
    """A partition's progress in the generation in use and in the one being built: the
    offset after the newest record applied, and the events applied."""

    consumer: str
    topic: str
    partition: int
    active_offset: int | None
    building_offset: int | None
    active_applied: int | None
    building_applied: int | None


class RebuildReplica(BaseModel):
    """The replica that answered and the partitions its build consumers read now."""

    replica: str
    building: list[tuple[str, str, int]] = Field(
        description="(consumer, topic, partition) this replica builds"
    )


class Rebuild(BaseModel):
    """The generation in use, the one being built (null: none), and how far each got."""

    active: int
    building: int | None
    partitions: list[RebuildPartition]
    replica: RebuildReplica


# -- the public page (公示栏): figures and titles only, never a person ----------------------


class PublicColor(BaseModel):
    """One of the seven color teams' figures, all time."""

    category: str
    name: str
    teams: int
    volunteers: int
    activities: int
    people_served: int
    volunteer_hours: float


class PublicActivity(BaseModel):
    """An activity as the notice board lists it: what, when, which color and community."""

    title: str
    day: date
    category: str
    community_id: str
    community_name: str


class PublicCommunity(BaseModel):
    """A community of a branch, with its headline figures, all time."""

    id: str
    name: str
    volunteers: int
    teams: int
    activities: int
    people_served: int
    volunteer_hours: float
    given: int = Field(0, description="Orders of other communities of the branch it served")
    received: int = Field(0, description="Its orders served by other communities of the branch")


class PublicUnit(BaseModel):
    """A resident unit (a public organisation) and the orders its teams served for others."""

    name: str
    given: int


class PublicBranchWork(BaseModel):
    """服务难题联解 as residents see it: figures only."""

    given: int
    received: int
    escalated: int
    units: list[PublicUnit]


class PublicCare(BaseModel):
    """关爱对象 as residents see it: counts only."""

    under_care: int
    by_kind: dict[str, int]
    visits: int
    visits_on_time: int
    overdue: int


class PublicPage(BaseModel):
    """What a community or a branch shows its residents: no name or phone of anyone."""

    scope: Literal["community", "branch"]
    id: str
    name: str
    branch: str | None = Field(description="The branch a community belongs to")
    branch_name: str | None = Field(
        None,
        description="That branch's name (a branch's own, for a branch); its id until stats"
        " has the branch's record",
    )
    volunteers: int
    party_member_volunteers: int
    teams: int
    activities: int
    people_served: int
    volunteer_hours: float
    colors: list[PublicColor]
    recent_activities: list[PublicActivity]
    communities: list[PublicCommunity] = Field(
        description="A branch's communities and their figures (the branch's joint work);"
        " empty for a community"
    )
    branch_work: PublicBranchWork = Field(
        description="Orders served across the branch's communities, all time"
    )
    care_register: PublicCare = Field(description="People under care and their visits, all time")
    as_of: datetime | None


# -- a volunteer's part of a PIPL export -------------------------------------------------


class KeptVolunteer(ReplicaVolunteerOut):
    is_party_member: bool


class CountedHours(BaseModel):
    activity_id: str
    title: str | None
    day: date | None
    hours: float


class CountedMembership(BaseModel):
    team_id: str
    member: bool


class StatsPersonalData(BaseModel):
    """Everything stats keeps on one volunteer: the replica, their hours as counted, teams."""

    service: Literal["stats"] = "stats"
    exported_at: datetime
    volunteer: KeptVolunteer
    hours: float = Field(description="Hours on activities that count (voided ones do not).")
    certified_hours: float
    activities: list[CountedHours]
    teams: list[CountedMembership]
