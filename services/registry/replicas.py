"""The registry's entities as other services keep them: its contract, beside its events.

A service that replicates an entity (see `REPLICA` in services/registry/events.py)
declares its table from these columns and adds the ones only it keeps, e.g.
`class Team(TeamReplicaColumns, Base): __tablename__ = "teams"`. Each column holds the
event field of the same name; the key columns hold the entity's key field.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import UNVERSIONED


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
