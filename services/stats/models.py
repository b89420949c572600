"""Stats projections: built only from events, never written through the API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Index, Integer, Numeric, String, Text, Uuid, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.registry.replicas import (
    CategoryReplicaColumns,
    CommunityReplicaColumns,
    TeamMemberReplicaColumns,
    TeamReplicaColumns,
    VolunteerReplicaColumns,
)
from shared.db import UNVERSIONED, UTCDateTime, new_metadata

Hours = Numeric(14, 2)
Money = Numeric(16, 2)


class Base(DeclarativeBase):
    metadata = new_metadata()


class Branch(Base):
    """A community big branch (社区大支部) as the registry reports it: the name it is shown by."""

    __tablename__ = "branches"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=UNVERSIONED)


class Community(CommunityReplicaColumns, Base):
    __tablename__ = "communities"

    branch: Mapped[str | None] = mapped_column(String(100), index=True)


class Category(CategoryReplicaColumns, Base):
    __tablename__ = "categories"

    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=100)


class Volunteer(VolunteerReplicaColumns, Base):
    __tablename__ = "volunteers"

    is_party_member: Mapped[bool] = mapped_column(Boolean)


class Team(TeamReplicaColumns, Base):
    __tablename__ = "teams"

    # The resident unit (驻区单位) that formed the team, if any: whose service it gives.
    unit_id: Mapped[str | None] = mapped_column(String(40), index=True)


class ResidentUnit(Base):
    """A resident unit of a community (共驻共建): its name is a public organisation's."""

    __tablename__ = "resident_units"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=UNVERSIONED)


class CommunityVolunteers(Base):
    """Active volunteers and party members per community, kept by the registry handlers."""

    __tablename__ = "community_volunteers"

    community_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    volunteers: Mapped[int] = mapped_column(Integer, default=0)
    party_members: Mapped[int] = mapped_column(Integer, default=0)


class CategoryMembers(Base):
    """Active volunteers in active teams per community (the team's) and category, each
    counted once however many of those teams they are in; kept by the registry handlers."""

    __tablename__ = "category_members"

    community_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    members: Mapped[int] = mapped_column(Integer, default=0)


class TeamMember(TeamMemberReplicaColumns, Base):
    __tablename__ = "team_members"


class Activity(Base):
    """The newest state of each activity, as its contribution to the rollups was counted."""

    __tablename__ = "activities"
    # The public page lists a community's newest activities.
    __table_args__ = (Index("ix_activities_community_day", "community_id", "day"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # Looked up through ix_activities_community_day (its leading column).
    community_id: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))
    # Shown on the public page (公示栏) with its day; an activity logged before titles
    # were kept has "" until the projections are rebuilt.
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    people_served: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)


class ActivityHours(Base):
    __tablename__ = "activity_hours"

    activity_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    hours: Mapped[Decimal] = mapped_column(Hours)


class ActivityFigures:
    """What the activity rollups add up, per community, category and day or month."""

    activities: Mapped[int] = mapped_column(Integer, default=0)
    people_served: Mapped[int] = mapped_column(Integer, default=0)
    volunteer_hours: Mapped[Decimal] = mapped_column(Hours, default=0)
    certified_hours: Mapped[Decimal] = mapped_column(Hours, default=0)


class RequestFigures:
    """What the request rollups add up, per community, category and day or month."""

    requests: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[int] = mapped_column(Integer, default=0)
    # Open and overdue; completed by the due time.
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    # Completed paid orders and the sum of their prices (yuan): the collective economy.
    paid_orders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    income: Mapped[Decimal] = mapped_column(Money, default=0, server_default="0")


class DailyFigures(ActivityFigures, Base):
    """Activities, people served and hours per community, category and day: what
    overview, time series and reports add up. Voided activities are taken out."""

    __tablename__ = "daily_figures"
    __table_args__ = (
        # Time series over every community read a range of days.
        Index(
            "ix_daily_figures_day",
            "day",
            postgresql_include=[
                "community_id",
                "category",
                "activities",
                "people_served",
                "volunteer_hours",
                "certified_hours",
            ],
        ),
    )

    community_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class MonthlyFigures(ActivityFigures, Base):
    """The daily figures added up per month (`month` is its first day), with the same
    deltas: whole months of a period and all-time figures read these."""

    __tablename__ = "monthly_figures"

    community_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)


class VolunteerHours(Base):
    """Each volunteer's hours across activities that count: the leaderboard."""

    __tablename__ = "volunteer_hours"
    __table_args__ = (
        Index("ix_volunteer_hours_rank", "community_id", "hours"),
        # The county-wide leaderboard walks this in order.
        Index("ix_volunteer_hours_hours", text("hours DESC"), "volunteer_id"),
    )

    volunteer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    community_id: Mapped[str] = mapped_column(String(40))
    hours: Mapped[Decimal] = mapped_column(Hours, default=0)
    certified_hours: Mapped[Decimal] = mapped_column(Hours, default=0)


# 服务难题联解: an order served by a team of another community than its own.
SERVED_ACROSS = "serving_community_id <> community_id"
# The county overview counts these over every community: covering partial indexes
# (migration 0015), read without the table.
COMPLETED_ACROSS = f"status = 'completed' AND {SERVED_ACROSS}"
ESCALATIONS_WAITING = (
    "escalated_at IS NOT NULL AND status IN ('submitted', 'assigned', 'accepted')"
    " AND branch_assigned IS false"
)


class Request(Base):
    __tablename__ = "requests"
    __table_args__ = (
        # Few orders are served across communities or escalated: the branch's joint work
        # reads only those, through these partial indexes.
        Index(
            "ix_requests_served_for_another",
            "serving_community_id",
            postgresql_where=text(SERVED_ACROSS),
            sqlite_where=text(SERVED_ACROSS),
        ),
        Index(
            "ix_requests_served_by_another",
            "community_id",
            postgresql_where=text(SERVED_ACROSS),
            sqlite_where=text(SERVED_ACROSS),
        ),
        Index(
            "ix_requests_escalated",
            "community_id",
            postgresql_where=text("escalated_at IS NOT NULL"),
            sqlite_where=text("escalated_at IS NOT NULL"),
        ),
        Index(
            "ix_requests_served_across",
            "submitted_at",
            postgresql_include=["community_id", "serving_community_id"],
            postgresql_where=text(COMPLETED_ACROSS),
            sqlite_where=text(COMPLETED_ACROSS),
        ),
        Index(
            "ix_requests_escalated_by_day",
            "submitted_at",
            postgresql_include=["community_id"],
            postgresql_where=text("escalated_at IS NOT NULL"),
            sqlite_where=text("escalated_at IS NOT NULL"),
        ),
        Index(
            "ix_requests_escalations_waiting",
            "community_id",
            postgresql_include=["escalation_overdue"],
            postgresql_where=text(ESCALATIONS_WAITING),
            sqlite_where=text(ESCALATIONS_WAITING),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    category: Mapped[str] = mapped_column(String(40))
    service_kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    paid: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    overdue: Mapped[bool] = mapped_column(Boolean)
    # Whose team serves it; another community of the branch for an escalated order.
    serving_community_id: Mapped[str | None] = mapped_column(String(40))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The branch left the escalation waiting longer than allowed (stays once flagged).
    escalation_overdue: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Assigned since its escalation (the branch gave it a team): set by the handler from
    # an assignment event of an escalated order, never by a state row, so an older event
    # arriving late cannot take it back.
    branch_assigned: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    version: Mapped[int] = mapped_column(Integer)


class RequestCounts(Base):
    """Requests per community, category and status, for all-time figures; kept by the
    requests handlers from each request's newest state."""

    __tablename__ = "request_counts"

    community_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    overdue: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)
    paid_orders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    income: Mapped[Decimal] = mapped_column(Money, default=0, server_default="0")


class RequestDays(RequestFigures, Base):
    """Requests per community, category and local day of submission (in the service's
    time zone, as `Period.times` bounds a period), for the figures of a period; kept by
    the requests handlers from each request's newest state. Statuses are columns, not
    part of the key: a period's rows are then as few as its (community, category, day)s."""

    __tablename__ = "request_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    community_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)


class RequestMonths(RequestFigures, Base):
    """The request days added up per month (`month` is its first day): whole months of a
    period read these, the partial months at its edges the days."""

    __tablename__ = "request_months"

    community_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)


class CareTask(Base):
    __tablename__ = "care_tasks"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    overdue: Mapped[bool] = mapped_column(Boolean)
    due_on: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)


class CareRecipient(Base):
    """A person under care (关爱对象) as counted: no name, phone or address."""

    __tablename__ = "care_recipients"
    __table_args__ = (Index("ix_care_recipients_community_status", "community_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    community_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10))
    next_due_on: Mapped[date] = mapped_column(Date)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer)


class CareVisit(Base):
    """A visit logged to a person under care: when, and whether within the plan."""

    __tablename__ = "care_visits"
    __table_args__ = (Index("ix_care_visits_community_day", "community_id", "visited_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    care_recipient_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    community_id: Mapped[str] = mapped_column(String(40))
    visited_on: Mapped[date] = mapped_column(Date)
    on_time: Mapped[bool] = mapped_column(Boolean)


class ProjectionState(Base):
    """Which generation of the projections the API answers from, and which one is being
    built: a rebuild builds a new one, read from the start of the topics by new consumer
    groups (`services/stats/rebuild.py`)."""

    __tablename__ = "projection_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=1)
    # The generation being built beside it (PostgreSQL), or None.
    building: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The newest generation ever started: an abandoned build's consumer groups still hold
    # their offsets in Kafka, so its number is never used again.
    newest: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
