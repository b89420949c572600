"""Cursor pagination of the contract: `?limit=&cursor=` answering `{items, next_cursor}`.

By default rows are listed in id order; ids are UUIDv7, so that is creation order, and
the cursor is simply the last id of the page.

A list may also be sorted by one of its named keys (`?sort=started_at`, or `?sort=-started_at`
for descending). The rows are then in (key, id) order, the id breaking ties in the key's
direction, and rows without a value (NULL) come last in either direction: a person sorting
by a date wants the rows that have one, and "ascending" and "descending" both keep them
first. The cursor of such a page is the sort's name, the last row's key and its id as a small
JSON document in URL-safe base64: the next page starts strictly after that (key, id), so a
page neither repeats nor skips rows however many share a key, and rows added meanwhile
cannot shift it. A cursor is opaque to clients: they send back what they were given, with
the same `sort`.
"""

from __future__ import annotations

import base64
import json
import operator
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shared.db import on_postgresql
from shared.errors import Invalid

T = TypeVar("T")
S = TypeVar("S")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# A sorted page's cursor holds its key: a name of 100 Chinese characters fits with room.
CURSOR_MAX_LENGTH = 1024
# Chinese names in pinyin order (PostgreSQL's ICU collation); SQLite compares code points.
PINYIN = "zh-x-icu"

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (max 500).")]
# An empty cursor is the first page, as before ids were typed: clients send `cursor=` so.
Cursor = Annotated[
    str | None,
    Query(
        max_length=CURSOR_MAX_LENGTH,
        pattern=r"^[A-Za-z0-9_-]*$",
        description=(
            "`next_cursor` of the previous page, as it was given (or empty for the first "
            "page). Opaque: in the default order it is the last id of the page; with `sort` "
            "it is valid only with the same `sort`."
        ),
    ),
]
# Each list route enumerates its `sort` values (a Literal): this says what they mean.
SORT_DESCRIPTION = (
    "The order of the list: a key ascending, or `-key` descending; rows without a value "
    "for the key come last either way, and rows with the same value in the order they "
    "were created (newest first when descending). Without it, the order rows were created in."
)
# A list route's `?sort=`, of the values it enumerates: `sort: SortBy[TeamSort] = None`.
SortBy = Annotated[S | None, Query(description=SORT_DESCRIPTION)]


@dataclass(frozen=True)
class PageQuery:
    """The page a list route is asked for: at most `limit` rows after `cursor`."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


def _page_query(limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> PageQuery:
    return PageQuery(limit, cursor)


# A list route's `?limit=&cursor=`, as one parameter: `paging: Paging`.
Paging = Annotated[PageQuery, Depends(_page_query)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def _not_ours() -> Invalid:
    return Invalid(
        "cursor is not one this API gave out",
        errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor"}],
    )


def parse_cursor(cursor: str | None) -> uuid.UUID | None:
    """The last id of the previous page, in the default (id) order."""
    if cursor is None or cursor == "":
        return None
    try:
        return uuid.UUID(cursor)
    except ValueError:
        raise _not_ours() from None


# -- sorting -------------------------------------------------------------------------

_INT32 = 2**31


def _read_datetime(value: Any) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time without its offset")
    return moment


def _read_text(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not a text")
    return value


def _read_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -_INT32 <= value < _INT32:
        raise ValueError("not an integer")
    return value


def _read_decimal(value: Any) -> Decimal:
    try:
        number = Decimal(_read_text(value))
    except ArithmeticError:  # decimal.InvalidOperation: not a number at all
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a number")
    return number


# How a key's value is written into a cursor (JSON) and read back, by its Python type.
_READERS: dict[type, Callable[[Any], Any]] = {
    datetime: _read_datetime,
    date: lambda value: date.fromisoformat(value),
    str: _read_text,
    int: _read_int,
    Decimal: _read_decimal,
}


def _written(value: Any) -> Any:
    if isinstance(value, date | datetime):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass(frozen=True)
class SortKey:
    """Something a list may be sorted by: a column of its rows, or an expression of them
    (a count, a sum). `kind` is the Python type of its values, which the cursor carries;
    `collation` (PostgreSQL only) how texts compare."""

    expression: ColumnElement[Any]
    kind: type
    nullable: bool = True
    collation: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in _READERS:
            raise TypeError(f"cannot sort by values of {self.kind!r}")

    @classmethod
    def of(cls, column: InstrumentedAttribute[Any], collation: str | None = None) -> SortKey:
        """A column as a key, of its own type and nullability."""
        expression = column.expression
        return cls(
            expression,
            column.type.python_type,
            nullable=bool(getattr(expression, "nullable", True)),
            collation=collation,
        )


Sorts = Mapping[str, SortKey]


def sort_names(keys: Sorts) -> list[str]:
    """Every `sort` a list of these keys takes: each key ascending, then descending."""
    return [name for key in keys for name in (key, f"-{key}")]


@dataclass(frozen=True)
class Sort:
    """A list's order as asked: `-started_at` is `started_at` descending."""

    name: str
    key: SortKey
    descending: bool


def sort_by(name: str | None, keys: Sorts) -> Sort | None:
    """The order `?sort=` names (None: the default, by id)."""
    if name is None:
        return None
    key = keys.get(name.removeprefix("-"))
    if key is None:
        # The routes enumerate their sorts, so this is a route and its table disagreeing.
        known = ", ".join(sort_names(keys))
        raise Invalid(
            f"unknown sort {name!r}; known: {known}",
            errors=[{"loc": ["query", "sort"], "msg": "unknown sort"}],
        )
    return Sort(name, key, name.startswith("-"))


def _sorted_cursor(sort: Sort, value: Any, last_id: uuid.UUID) -> str:
    document = {"s": sort.name, "k": _written(value), "id": str(last_id)}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def _read_sorted_cursor(cursor: str, sort: Sort) -> tuple[Any, uuid.UUID]:
    """(the key, the id) of the last row of the previous page of this sort."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        document = json.loads(text)
        if document["s"] != sort.name:
            raise ValueError("a cursor of another sort")
        value = document["k"]
        key = None if value is None else _READERS[sort.key.kind](value)
        return key, uuid.UUID(_read_text(document["id"]))
    except (ValueError, KeyError, TypeError):
        raise _not_ours() from None


def _after(
    key: ColumnElement[Any],
    id_column: InstrumentedAttribute[uuid.UUID],
    sort: Sort,
    value: Any,
    last_id: uuid.UUID,
) -> ColumnElement[bool]:
    """Rows after (value, last_id) in (key, id) order, NULL keys last."""
    beyond = operator.lt if sort.descending else operator.gt
    if value is None:  # among the NULLs already, which only the id orders
        return and_(key.is_(None), beyond(id_column, last_id))
    later = or_(beyond(key, value), and_(key == value, beyond(id_column, last_id)))
    return or_(later, key.is_(None)) if sort.key.nullable else later


async def _sorted_page(
    session: AsyncSession,
    statement: Select[Any],
    id_column: InstrumentedAttribute[uuid.UUID],
    sort: Sort,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    key = sort.key.expression
    if sort.key.collation is not None and on_postgresql(session):
        key = key.collate(sort.key.collation)
    if cursor:
        value, last_id = _read_sorted_cursor(cursor, sort)
        statement = statement.where(_after(key, id_column, sort, value, last_id))
    if sort.descending:
        order = (key.desc().nulls_last(), id_column.desc())
    else:
        order = (key.asc().nulls_last(), id_column.asc())
    # The key is read with each row: an expression's value is on no attribute of it.
    statement = statement.add_columns(sort.key.expression.label("sort_key"))
    rows = (await session.execute(statement.order_by(*order).limit(limit + 1))).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if not (more and rows):
        return [row[0] for row in rows], None
    last, value = rows[-1]
    return [row[0] for row in rows], _sorted_cursor(sort, value, getattr(last, id_column.key))


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    id_column: InstrumentedAttribute[uuid.UUID],
    paging: PageQuery,
    *,
    to_item: Callable[[Any], T],
    sort: Sort | None = None,
) -> Page[T]:
    """One page of `statement`'s rows: in id order, or in the order `sort` names."""
    limit, cursor = paging.limit, paging.cursor
    if sort is not None:
        found, next_cursor = await _sorted_page(
            session, statement, id_column, sort, limit=limit, cursor=cursor
        )
        return Page(items=[to_item(r) for r in found], next_cursor=next_cursor)
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
