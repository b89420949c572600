"""Cursor pagination of the contract: `?limit=&cursor=` answering `{items, next_cursor}`.

Rows are listed in id order; ids are UUIDv7, so that is creation order, and
the cursor is simply the last id of the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shared.errors import Invalid
from shared.schemas import Id

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (max 500).")]
# An empty cursor is the first page, as before ids were typed: clients send `cursor=` so.
Cursor = Annotated[
    Id | Literal[""] | None, Query(description="`next_cursor` of the previous page (or empty).")
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def parse_cursor(cursor: str | None) -> uuid.UUID | None:
    if cursor is None or cursor == "":
        return None
    try:
        return uuid.UUID(cursor)
    except ValueError:
        raise Invalid(
            "cursor is not one this API gave out",
            errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor"}],
        ) from None


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    id_column: InstrumentedAttribute[uuid.UUID],
    *,
    limit: int,
    cursor: str | None,
    to_item: Callable[[Any], T],
) -> Page[T]:
    after = parse_cursor(cursor)
    if after is not None:
        statement = statement.where(id_column > after)
    rows: Sequence[Any] = (
        await session.scalars(statement.order_by(id_column).limit(limit + 1))
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = str(getattr(rows[-1], id_column.key)) if more and rows else None
    return Page(items=[to_item(r) for r in rows], next_cursor=next_cursor)
