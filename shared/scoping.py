"""Reading within the caller's communities: one rule for every service.

A resource of a community outside the token is answered 404, as if it did not
exist; lists are limited to the token's communities.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.errors import NotFound


class OfCommunity(Protocol):
    community_id: Any


E = TypeVar("E", bound=OfCommunity)
M = TypeVar("M")


def path_id(entity_id: str, what: str) -> uuid.UUID:
    """The UUID a path names; a malformed one names nothing: 404, as for an unknown id."""
    try:
        return uuid.UUID(entity_id)
    except ValueError:
        raise NotFound(f"{what} not found") from None


async def get_by_id(
    session: AsyncSession, model: type[M], entity_id: str, what: str, *, for_update: bool = False
) -> M:
    """The row with the id a path names; otherwise 404. Who may see it is the caller's
    to check (`get_in_scope` for the rows of one community).

    `for_update` reads it with a row lock held until the unit of work ends: a
    second writer of the same record waits, then decides on the first one's
    result (PostgreSQL; SQLite's write lock is taken at BEGIN already).
    """
    entity = await session.get(
        model,
        path_id(entity_id, what),
        with_for_update=True if for_update else None,
        populate_existing=for_update,
    )
    if entity is None:
        raise NotFound(f"{what} not found")
    return entity


async def get_in_scope(
    session: AsyncSession,
    model: type[E],
    entity_id: str,
    principal: Principal,
    what: str,
    *,
    for_update: bool = False,
) -> E:
    """The entity with this id when the caller may see it; otherwise 404 (`for_update`:
    locked, as `get_by_id`)."""
    entity = await get_by_id(session, model, entity_id, what, for_update=for_update)
    if not principal.sees(entity.community_id):
        raise NotFound(f"{what} not found")
    return entity


async def get_to_change(
    session: AsyncSession, model: type[E], entity_id: str, principal: Principal, what: str
) -> E:
    """The entity a command changes: seen by the caller (else 404), of a community the
    caller may write (else 403), and locked until the unit of work ends."""
    entity = await get_in_scope(session, model, entity_id, principal, what, for_update=True)
    principal.require_write(entity.community_id)
    return entity


def scoped(
    query: Select[Any], column: Any, principal: Principal, community_id: str | None
) -> Select[Any]:
    """Limit a list to one community (404 outside the token) or to the token's communities."""
    if community_id is not None:
        principal.require_read(community_id, "community")
        return query.where(column == community_id)
    visible = principal.community_filter()
    return query if visible is None else query.where(column.in_(visible))
