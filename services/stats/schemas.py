"""What the stats API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

Scope = Literal["county", "branch", "community"]
Interval = Literal["day", "week", "month"]
Metric = Literal[
    "activities",
    "people_served",
    "volunteer_hours",
    "certified_hours",
    "requests_submitted",
    "requests_completed",
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
