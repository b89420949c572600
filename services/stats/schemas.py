"""What the stats API answers."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

Scope = Literal["county", "branch", "community"]


class RequestFigures(BaseModel):
    submitted: int = 0
    open: int = 0
    completed: int = 0
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


class Overview(BaseModel):
    scope: Scope
    id: str | None
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
