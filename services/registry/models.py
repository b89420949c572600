"""Registry tables: branches, communities, resident units and their agreements, categories,
teams, volunteers, life events."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime, new_metadata, utcnow
from shared.ids import new_id


class Base(DeclarativeBase):
    metadata = new_metadata()


class Branch(Base):
    """A community "big branch" (社区大支部): the communities and resident units it joins.

    Its id is a slug; a branch that was a community's free label before branches were
    records keeps that label as its id, so the communities' `branch` did not change.
    """

    __tablename__ = "branches"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    secretary_name: Mapped[str | None] = mapped_column(String(100))
    secretary_phone: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    branch: Mapped[str | None] = mapped_column(ForeignKey("branches.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResidentUnit(Base):
    """A school, hospital, company or office that co-builds with a community (驻区单位)."""

    __tablename__ = "resident_units"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(40))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UnitAgreement(Base):
    """What a resident unit brings to the branch, and for which period (共驻共建)."""

    __tablename__ = "unit_agreements"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    resident_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resident_units.id"), index=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    brings: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(500), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Category(Base):
    """A service category (a color). Seeded with the seven; a county may add its own."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=100)
    # One higher with each change; the event carries it.
    version: Mapped[int] = mapped_column(Integer, default=1)


class RetiredCategory(Base):
    """The last version of a deleted category: defined again, it goes on from there, so
    its replicas take the new definition for the newer."""

    __tablename__ = "retired_categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class Volunteer(Base):
    __tablename__ = "volunteers"
    __table_args__ = (
        UniqueConstraint("community_id", "phone", name="uq_volunteers_community_phone"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    # None once erased: the unique constraint then holds no number of theirs.
    phone: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(10))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[str | None] = mapped_column(String(200))
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    party_joined_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_reason: Mapped[str | None] = mapped_column(String(200))
    # The resident unit whose working party member this is (在职党员"双报到").
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("resident_units.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Our code sets each version (events carry it); an UPDATE checks the one it read.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the volunteer's personal data was erased on request (PIPL); None while it is held.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("community_id", "name", name="uq_teams_community_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    category: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    leader_volunteer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("volunteers.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    # The resident unit that formed the team, if one did.
    unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("resident_units.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Our code sets each version (events carry it); an UPDATE checks the one it read.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("volunteers.id"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LifeEvent(Base):
    """Something in a party member's life that the branch must respond to (三必访五必谈)."""

    __tablename__ = "life_events"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    community_id: Mapped[str] = mapped_column(ForeignKey("communities.id"), index=True)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("volunteers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
