"""The registry's entities as other services keep them: its contract, beside its events.

A service that replicates an entity (see `REPLICA` in services/registry/events.py)
declares its table from these columns and adds the ones only it keeps, e.g.
`class Team(TeamReplicaColumns, Base): __tablename__ = "teams"`. Each column holds the
event field of the same name; the key columns hold the entity's key field.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from services.registry.events import TeamMemberJoined
from shared.db import UNVERSIONED
from shared.events import Event


class CommunityReplicaColumns:
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Community events carried no version before: rows from then read as UNVERSIONED.
    version: Mapped[int] = mapped_column(Integer, default=UNVERSIONED)


class CategoryReplicaColumns:
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Category events carried no version before: rows from then read as UNVERSIONED.
    version: Mapped[int] = mapped_column(Integer, default=UNVERSIONED)


class TeamReplicaColumns:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    category: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)


class VolunteerReplicaColumns:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    community_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class ReplicaVolunteerOut(BaseModel):
    """A volunteer as a replica keeps them, in a service's part of a personal-data export
    (PIPL); a service adds the columns only it keeps. The name is the placeholder once the
    registry erased the volunteer."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    community_id: str
    name: str
    active: bool


class TeamMemberReplicaColumns:
    """Who is on a team: a row per (team, volunteer) that ever joined, from the membership
    events (`membership_row`)."""

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    volunteer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, index=True)
    # A left membership stays, not a member, so an older "joined" cannot bring it back.
    member: Mapped[bool] = mapped_column(Boolean)
    # The team's version of the last join or leave (see services/registry/events.py).
    version: Mapped[int] = mapped_column(Integer, default=UNVERSIONED)


def membership_row(event: Event[Any]) -> dict[str, Any]:
    """The row a join or a leave (`MEMBERSHIPS`) makes; of two about one (team, volunteer),
    the higher version is the later."""
    data = event.data
    return {
        "team_id": uuid.UUID(data.team_id),
        "volunteer_id": uuid.UUID(data.volunteer_id),
        "member": event.envelope.type == TeamMemberJoined.event_type,
        "version": data.version,
    }
