"""Database engine, sessions and the column types every service uses.

Each service owns one database. PostgreSQL in production (asyncpg); SQLite
(aiosqlite) is the embedded default so `make run` needs nothing installed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import DateTime, MetaData, Table, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import FromClause
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A service's own MetaData: its migrations see only its tables plus the messaging ones."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC, also on SQLite (which drops offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets the outbox relay read while the API writes.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            # We issue BEGIN ourselves (below), so the driver must not.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            # A deferred transaction that reads, then writes after another writer
            # committed, fails at once with "database is locked"; taking the write
            # lock up front makes writers queue (busy timeout) instead.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def database_answers(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


async def upsert(
    session: AsyncSession,
    table: FromClause,
    rows: list[dict[str, Any]],
    *,
    key: list[str],
    newer_than: str | None = None,
) -> None:
    """Insert rows, or update the existing ones with the same key.

    With `newer_than` (a version column) an existing row is only replaced by a
    row with a higher version: replicas stay right when events arrive twice or
    out of order.
    """
    if not rows:
        return
    statement = insert_for(session, table)
    target = cast(Table, table)
    excluded = statement.excluded
    updates = {c: excluded[c] for c in rows[0] if c not in key}
    where = target.c[newer_than] < excluded[newer_than] if newer_than else None
    if updates:
        statement = statement.on_conflict_do_update(index_elements=key, set_=updates, where=where)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=key)
    # Parameters apart from the statement: it compiles once and is cached, and the
    # driver sends the rows in batches ("insertmanyvalues"); .values(rows) would
    # build and compile a new statement for every batch.
    await session.execute(statement, rows)


async def add_to(
    session: AsyncSession,
    table: FromClause,
    rows: list[dict[str, Any]],
    *,
    key: list[str],
    amounts: list[str],
) -> None:
    """Add each row's `amounts` to the row with the same key, creating it when missing.

    Rollups take deltas this way: one statement for a whole batch.
    """
    if not rows:
        return
    target = cast(Table, table)
    statement = insert_for(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=key,
        set_={name: target.c[name] + statement.excluded[name] for name in amounts},
    )
    await session.execute(statement, rows)


def on_postgresql(session: AsyncSession) -> bool:
    """PostgreSQL, rather than the embedded default SQLite."""
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: AsyncSession, table: FromClause) -> Any:
    """INSERT in the dialect that knows ON CONFLICT (PostgreSQL or SQLite)."""
    insert = postgresql_insert if on_postgresql(session) else sqlite_insert
    return insert(cast(Table, table))
