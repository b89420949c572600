"""Requests tables: resident orders with their history, care tasks, the routing
table, and a replica of the registry's teams and volunteers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.registry.replicas import (
    CommunityReplicaColumns,
    TeamMemberReplicaColumns,
    TeamReplicaColumns,
    VolunteerReplicaColumns,
)
from shared.db import UTCDateTime, new_metadata, utcnow
from shared.ids import new_id


class Base(DeclarativeBase):
    metadata = new_metadata()


# -- the registry, as far as this service needs it ------------------------------------


class Community(CommunityReplicaColumns, Base):
    __tablename__ = "communities"

    # The branch (大支部) whose teams may serve the community's escalated orders.
    branch: Mapped[str | None] = mapped_column(String(100))


class Team(TeamReplicaColumns, Base):
    __tablename__ = "teams"

    leader_volunteer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The resident unit (驻区单位) that formed the team, if one did.
    unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class TeamMember(TeamMemberReplicaColumns, Base):
    """Who is on a team: its members work the orders the team serves for another community."""

    __tablename__ = "team_members"


class Volunteer(VolunteerReplicaColumns, Base):
    __tablename__ = "volunteers"

    is_party_member: Mapped[bool] = mapped_column(Boolean)
    party_joined_on: Mapped[date | None] = mapped_column(Date)


# -- owned here ---------------------------------------------------------------------


class ServiceKind(Base):
    """The routing table: which category (color) serves a kind of request."""

    __tablename__ = "service_kinds"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=100)
    # One higher with each routing; the event carries it.
    version: Mapped[int] = mapped_column(Integer, default=1)


class ServiceRequest(Base):
    __tablename__ = "service_requests"
    __table_args__ = (Index("ix_service_requests_open_by_team", "team_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    service_kind: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(2000))
    resident_name: Mapped[str] = mapped_column(String(50))
    resident_phone: Mapped[str] = mapped_column(String(20))
    resident_address: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(20))
    paid: Mapped[bool] = mapped_column(Boolean)
    price: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    urgency: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), index=True)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completion_note: Mapped[str | None] = mapped_column(String(2000))
    activity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 服务难题联解: escalated to the branch, then served by a team of any of its communities.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_reason: Mapped[str | None] = mapped_column(String(500))
    branch_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The community of the team assigned (the order stays `community_id`'s).
    serving_community_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # The resident unit whose team is assigned, when a unit's team serves it.
    serving_unit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    inbound_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    # When the resident's name, phone and address were removed (PIPL: on request or by the
    # retention rule); None while the order holds them.
    resident_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Our code sets the version (events carry it); an UPDATE also checks the one it read.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class RequestHistory(Base):
    """Every transition of an order: who, when, from what to what."""

    __tablename__ = "request_history"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(2000))


class CareTask(Base):
    """A visit or a talk a party member is owed (三必访五必谈)."""

    __tablename__ = "care_tasks"
    __table_args__ = (
        UniqueConstraint("volunteer_id", "birthday_year", name="uq_care_tasks_birthday"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    volunteer_name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(10))  # visit | talk
    reason: Mapped[str] = mapped_column(String(40))  # a life event kind, or political_birthday
    life_event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    birthday_year: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    note: Mapped[str | None] = mapped_column(String(2000))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(100))
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Our code sets the version (events carry it); an UPDATE also checks the one it read.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


# -- the care register (关爱对象) ------------------------------------------------------


class CareRecipient(Base):
    """A resident the orange team looks after, registered with their consent, with a visit
    plan: a visit every `plan_days` days, the next one due on `next_due_on`."""

    __tablename__ = "care_recipients"
    __table_args__ = (Index("ix_care_recipients_due", "community_id", "status", "next_due_on"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    consent_on: Mapped[date] = mapped_column(Date)
    consent_recorded_by: Mapped[str] = mapped_column(String(100))
    under_care_since: Mapped[date] = mapped_column(Date)
    plan_days: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    notes: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(10), default="active")
    last_visited_on: Mapped[date | None] = mapped_column(Date)
    next_due_on: Mapped[date] = mapped_column(Date)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(500))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the person's name, phone, address and notes were removed (PIPL); None until then.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Our code sets the version (events carry it); an UPDATE also checks the one it read.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class CareVisit(Base):
    """A visit to a person under care: when, by whom, and whether within the plan."""

    __tablename__ = "care_visits"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    care_recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("care_recipients.id"), index=True
    )
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    on_time: Mapped[bool] = mapped_column(Boolean)
    team_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    volunteer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    note: Mapped[str | None] = mapped_column(String(2000))
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
