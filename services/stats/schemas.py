"""What the stats API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

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


class Areas(BaseModel):
    communities: list[AreaCommunity]
    branches: list[str]
    county: bool


class ConsumerLag(BaseModel):
    consumer: str
    topic: str
    partitions: list[int]
    lag: int | None
    applied: int


class Lag(BaseModel):
    as_of: datetime | None
    generation: int
    consumers: list[ConsumerLag]


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


class PublicPage(BaseModel):
    """What a community or a branch shows its residents: no name or phone of anyone."""

    scope: Literal["community", "branch"]
    id: str
    name: str
    branch: str | None = Field(description="The branch a community belongs to")
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
    as_of: datetime | None
