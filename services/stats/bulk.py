"""Many rows in one statement: on PostgreSQL as one array per column, `unnest()`-ed.

A batch of events turns into hundreds of rows per table. Sent as executemany
parameters (`shared.db.upsert`, `add_to`) every row's values go through
SQLAlchemy's parameter processing and become a multi-row `VALUES` of
rows × columns bind parameters; as arrays they are one parameter per column,
encoded by asyncpg in binary, and the statement text never changes. On SQLite
(the embedded default) the shared helpers do the work.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import FromClause
from sqlalchemy.sql.elements import TextClause

from shared.db import add_to, on_postgresql, upsert


def _array_type(table: Table, column: str) -> str:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return f"{table.c[column].type.compile(dialect=dialect)}[]"


@cache
def _insert(
    table: Table,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    amounts: tuple[str, ...] | None,
    replace: tuple[str, ...],
) -> TextClause:
    """INSERT … SELECT FROM unnest(one array per column) ON CONFLICT: with `amounts`
    added to the existing row's, `replace` overwriting it, or nothing done."""
    arrays = ", ".join(f"CAST(:{c} AS {_array_type(table, c)})" for c in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
    sets = [f"{a} = {table.name}.{a} + excluded.{a}" for a in amounts or ()]
    sets += [f"{c} = excluded.{c}" for c in replace]
    conflict = ", ".join(key)
    if sets:
        sql += f" ON CONFLICT ({conflict}) DO UPDATE SET {', '.join(sets)}"
    else:
        sql += f" ON CONFLICT ({conflict}) DO NOTHING"
    return text(sql)


def _arrays(columns: Sequence[str], rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {c: [row[c] for row in rows] for c in columns}


async def add_rows(
    session: AsyncSession,
    table: FromClause,
    rows: list[dict[str, Any]],
    *,
    key: list[str],
    amounts: list[str],
) -> None:
    """`shared.db.add_to`: each row's amounts added to the row of its key (created with
    the row's columns when missing). The rows' keys must be distinct, and every row must
    have the first row's columns."""
    if not rows:
        return
    if not on_postgresql(session):
        await add_to(session, table, rows, key=key, amounts=amounts)
        return
    columns = tuple(rows[0])
    statement = _insert(cast(Table, table), columns, tuple(key), tuple(amounts), ())
    await session.execute(statement, _arrays(columns, rows))


async def upsert_rows(
    session: AsyncSession, table: FromClause, rows: list[dict[str, Any]], *, key: list[str]
) -> None:
    """`shared.db.upsert` without versions: each row replaces the row of its key. The
    rows' keys must be distinct, and every row must have the first row's columns."""
    if not rows:
        return
    if not on_postgresql(session):
        await upsert(session, table, rows, key=key)
        return
    columns = tuple(rows[0])
    replace = tuple(c for c in columns if c not in key)
    statement = _insert(cast(Table, table), columns, tuple(key), None, replace)
    await session.execute(statement, _arrays(columns, rows))
