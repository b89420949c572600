"""Activities tables: the activity log, who took part for how long, the kinds of
activity, issued certificates, shared resources and their bookings, and a replica of
the registry's teams and volunteers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.activities.schemas import BookingStatus, ResourceKind, Status
from services.registry.replicas import (
    CategoryReplicaColumns,
    CommunityReplicaColumns,
    TeamReplicaColumns,
    VolunteerReplicaColumns,
)
from shared.db import UTCDateTime, new_metadata, utcnow
from shared.ids import new_id

Hours = Numeric(6, 2)


class Base(DeclarativeBase):
    metadata = new_metadata()


# -- the registry, as far as this service needs it (kept from registry events) ------


class Community(CommunityReplicaColumns, Base):
    __tablename__ = "communities"

    branch: Mapped[str | None] = mapped_column(String(100))


class Category(CategoryReplicaColumns, Base):
    __tablename__ = "categories"


class Team(TeamReplicaColumns, Base):
    __tablename__ = "teams"

    leader_volunteer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class Volunteer(VolunteerReplicaColumns, Base):
    __tablename__ = "volunteers"


# -- owned here ---------------------------------------------------------------------


class ActivityKind(Base):
    """A kind of activity (义诊, 治安巡逻, ...): a table a county can extend."""

    __tablename__ = "activity_kinds"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    category_hint: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=100)


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(ForeignKey("activity_kinds.code"))
    title: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(200))
    people_served: Mapped[int] = mapped_column(Integer)
    beneficiaries: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    outputs: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    request_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[Status] = mapped_column(String(20), default="logged")
    logged_by: Mapped[str] = mapped_column(String(100))
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by: Mapped[str | None] = mapped_column(String(100))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(String(500))
    corrects_activity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    corrected_by_activity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Our code sets version = old + 1 (the event carries it); the UPDATE checks the one read.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class Participation(Base):
    """A volunteer's hours on one activity."""

    __tablename__ = "participations"

    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    hours: Mapped[Decimal] = mapped_column(Hours)


class Certificate(Base):
    """A service certificate issued: its number stays the same for the same content."""

    __tablename__ = "certificates"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    community_id: Mapped[str] = mapped_column(String(40))
    volunteer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    certified_hours: Mapped[Decimal] = mapped_column(Hours)
    content_digest: Mapped[str] = mapped_column(String(64), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(100))
    # Printed on the certificate: with the number, anyone may check it (GET /certificates/...).
    check_code: Mapped[str] = mapped_column(String(16))
    # What it counted, [{"activity_id", "hours"}], to tell later whether it still holds;
    # None for a certificate issued before they were recorded (migration 0010).
    counted: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)


class CertificateCounter(Base):
    """The last serial handed out for a certificate number prefix ("QS-<community>-<year>-")."""

    __tablename__ = "certificate_counters"

    prefix: Mapped[str] = mapped_column(String(60), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


# -- shared resources (资源联享) -----------------------------------------------------------


class Resource(Base):
    """A hall, vehicle or piece of equipment a community (or one of its resident units)
    offers, with its weekly opening hours; shared, other communities of its branch book it."""

    __tablename__ = "resources"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    owner_unit_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[ResourceKind] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(2000), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    # [{"weekday": 1..7, "from": "HH:MM", "to": "HH:MM"}]
    availability: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    shared_with_branch: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    offered_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class Booking(Base):
    """A community's booking of a resource for a time: never two live ones overlapping.

    `community_id` is the booking community (its row and events are its); the resource
    may be another community's of the same branch.
    """

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_resource_time", "resource_id", "starts_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resources.id"))
    resource_community_id: Mapped[str] = mapped_column(String(40))
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purpose: Mapped[str] = mapped_column(String(500))
    activity_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    status: Mapped[BookingStatus] = mapped_column(String(20), default="booked")
    booked_by: Mapped[str] = mapped_column(String(100))
    cancelled_by: Mapped[str | None] = mapped_column(String(100))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
