"""Keeping a local copy of another service's entities from its state events.

A state event carries the entity's whole state and a `version`: the replica
upserts the columns it keeps, and an older version never overwrites a newer
one, so duplicates and reordering are harmless. Events from before their type
carried a version read as version 0 (`UNVERSIONED`): older than any versioned
event, and among themselves applied in arrival order, as they always were.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Uuid
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from shared.consumer import Handler
from shared.db import upsert
from shared.events import Event, Reports


def state_row(
    model: type[DeclarativeBase], data: dict[str, Any], sources: Mapping[str, str]
) -> dict[str, Any]:
    """The row of `model` that an event's data describes; `sources` renames column <- field."""
    row: dict[str, Any] = {}
    for column in model.__table__.columns:
        field = sources.get(column.key, column.key)
        if field not in data:
            continue
        value = data[field]
        if isinstance(column.type, Uuid) and isinstance(value, str):
            value = uuid.UUID(value)
        row[column.key] = value
    return row


def key_source(model: type[DeclarativeBase], key: str) -> dict[str, str]:
    """`sources` for a model whose one primary key column holds the event's `key` field."""
    (column,) = list(model.__table__.primary_key)
    return {} if column.key == key else {column.key: key}


def replicate(model: type[DeclarativeBase], **sources: str) -> Handler:
    """A handler that upserts `model` from a state event, e.g. `replicate(Team, id="team_id")`."""
    table = model.__table__
    key = [c.key for c in table.primary_key]
    versioned = "version" in table.columns

    async def apply(session: AsyncSession, event: Event[Any]) -> None:
        row = state_row(model, event.data.model_dump(), sources)
        await upsert(session, table, [row], key=key, newer_than="version" if versioned else None)

    return apply


def replica_handlers(
    reports: Mapping[str, Reports], models: Mapping[str, type[DeclarativeBase]]
) -> dict[str, Handler]:
    """A handler for each state event of `reports` (an owner's replica map) whose entity
    this service keeps, as `models` names them: {"team": Team, ...}."""
    return {
        event_type: replicate(models[what.entity], **key_source(models[what.entity], what.key))
        for event_type, what in reports.items()
        if what.entity in models
    }
