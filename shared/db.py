"""Database engine, sessions and the column types every service uses.

Each service owns one database. PostgreSQL in production (asyncpg); SQLite
(aiosqlite) is the embedded default so `make run` needs nothing installed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any, cast

from sqlalchemy import JSON, DateTime, MetaData, Table, and_, bindparam, event, insert, or_, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql import FromClause
from sqlalchemy.sql.elements import TextClause
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

    @property
    def python_type(self) -> type[datetime]:
        return datetime

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
    # The connection used last is used next: at a low rate one stays warm (no ping)
    # while the others idle, rather than each being pinged in turn.
    kwargs.setdefault("pool_use_lifo", True)
    engine = create_async_engine(url, **kwargs)
    ping_when_idle(engine, IDLE_BEFORE_PING_SECONDS)
    return engine


# A pooled connection idle longer than this is pinged before use (see ping_when_idle).
IDLE_BEFORE_PING_SECONDS = 1.0
_CHECKED_IN_AT = "qise_checked_in_at"


def ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only when it sat idle for `idle_seconds`.

    `pool_pre_ping` pings at every checkout, and asyncpg's ping is three round trips
    (BEGIN, an empty query, ROLLBACK): more than the one INSERT of a small write.
    A connection that was in use a moment ago is as good as a ping; one that sat
    idle (the server restarted meanwhile, a firewall dropped it) is pinged, and a
    dead one replaced before anyone uses it. A connection that dies between two
    uses anyway fails its statement as a disconnect, on which SQLAlchemy discards
    it and every pooled connection older than the failure; the request answers 503
    (`shared.failures.is_transient`), as one running at the moment of a restart does.
    """

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in = record.info.get(_CHECKED_IN_AT)
        if checked_in is None or time.monotonic() - checked_in < idle_seconds:
            return  # new, or in use a moment ago
        try:
            dbapi_connection.ping()
        except Exception as error:
            # The pool discards this connection and checks out another (a new one).
            raise DisconnectionError(f"a pooled connection is gone: {error!r}") from error


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def database_answers(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    """Whether the database answers a trivial query now (readiness, poison checks)."""
    try:
        async with sessionmaker() as session:
            await session.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


# An event published before its type carried a version; older than any versioned one.
UNVERSIONED = 0


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
    row with a higher version, so replicas stay right when events arrive twice
    or out of order; rows of version `UNVERSIONED` (events from before versions)
    replace each other in arrival order, as they always did. The rows' keys must
    be distinct and every row must have the first row's columns.
    """
    if not rows:
        return
    target = cast(Table, table)
    if _as_arrays(session, target, rows):
        statement = _array_insert(target, tuple(rows[0]), tuple(key), (), newer_than)
        await session.execute(statement, _arrays(rows))
        return
    statement = insert_for(session, table)
    excluded = statement.excluded
    updates = {c: excluded[c] for c in rows[0] if c not in key}
    where = None
    if newer_than:
        old, new = target.c[newer_than], excluded[newer_than]
        where = or_(old < new, and_(old == UNVERSIONED, new == UNVERSIONED))
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

    Rollups take deltas this way, one statement per batch: `x = x + excluded.x`
    commutes, so two writers adding to one row both count. The rows' keys must be
    distinct and every row must have the first row's columns.
    """
    if not rows:
        return
    target = cast(Table, table)
    if _as_arrays(session, target, rows):
        statement = _array_insert(target, tuple(rows[0]), tuple(key), tuple(amounts), None)
        await session.execute(statement, _arrays(rows))
        return
    statement = insert_for(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=key,
        set_={name: target.c[name] + statement.excluded[name] for name in amounts},
    )
    await session.execute(statement, rows)


# -- many rows as one array per column (PostgreSQL) ----------------------------------------
# Sent as executemany parameters, every row's values go through SQLAlchemy's parameter
# processing and become a multi-row VALUES of rows x columns bind parameters; as arrays
# they are one parameter per column, encoded by asyncpg in binary, and the statement
# text never changes.


def _as_arrays(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> bool:
    """On PostgreSQL, unless a column is JSON (asyncpg takes no Python lists for json[])."""
    return on_postgresql(session) and not any(isinstance(table.c[c].type, JSON) for c in rows[0])


def _arrays(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {c: [row[c] for row in rows] for c in rows[0]}


@cache
def _array_insert(
    table: Table,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    amounts: tuple[str, ...],
    newer_than: str | None,
) -> TextClause:
    """INSERT … SELECT FROM unnest(one array per column) ON CONFLICT: `amounts` added to
    the existing row's, the other columns replacing it (when `newer_than` is newer), or
    nothing done when every column is the key."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    quote = dialect.identifier_preparer.quote
    name = quote(table.name)
    arrays = ", ".join(
        f"CAST(:{c} AS {table.c[c].type.compile(dialect=dialect)}[])" for c in columns
    )
    listed = ", ".join(quote(c) for c in columns)
    sql = f"INSERT INTO {name} ({listed}) SELECT * FROM unnest({arrays})"
    sets = [f"{quote(a)} = {name}.{quote(a)} + excluded.{quote(a)}" for a in amounts]
    sets += [f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in (*key, *amounts)]
    conflict = ", ".join(quote(c) for c in key)
    if not sets:
        return text(f"{sql} ON CONFLICT ({conflict}) DO NOTHING")
    sql += f" ON CONFLICT ({conflict}) DO UPDATE SET {', '.join(sets)}"
    if newer_than:
        old, new = f"{name}.{quote(newer_than)}", f"excluded.{quote(newer_than)}"
        sql += f" WHERE {old} < {new} OR ({old} = {UNVERSIONED} AND {new} = {UNVERSIONED})"
    return text(sql)


async def insert_together(
    session: AsyncSession, parts: Sequence[tuple[Table, list[dict[str, Any]]]]
) -> None:
    """Insert rows into several tables, in the order given.

    On PostgreSQL in one statement, one round trip: each INSERT but the last a
    data-modifying CTE of the last (they run with one snapshot, and foreign keys
    are checked at the statement's end, so a child row may name a parent inserted
    beside it). Elsewhere one INSERT per table. A table's rows must all have its
    first row's columns; columns not given get their server default, not a
    Python-side one.
    """
    parts = [(table, rows) for table, rows in parts if rows]
    if not on_postgresql(session):
        for table, rows in parts:
            await session.execute(insert(table), rows)
        return
    shape = tuple((table, tuple(rows[0]), len(rows)) for table, rows in parts)
    values = {
        f"p{i}_{j}_{k}": row[column]
        for i, (table, rows) in enumerate(parts)
        for j, row in enumerate(rows)
        for k, column in enumerate(shape[i][1])
    }
    await session.execute(_inserts_together(shape), values)


@lru_cache(maxsize=512)
def _inserts_together(shape: tuple[tuple[Table, tuple[str, ...], int], ...]) -> TextClause:
    """The statement for tables of these columns and row counts: compiled once, and a
    prepared statement of the driver's from then on."""
    quote = postgresql.dialect().identifier_preparer.quote  # type: ignore[no-untyped-call]
    statements, binds = [], []
    for i, (table, columns, count) in enumerate(shape):
        listed = ", ".join(quote(c) for c in columns)
        rows = []
        for j in range(count):
            names = [f"p{i}_{j}_{k}" for k in range(len(columns))]
            rows.append("(" + ", ".join(f":{name}" for name in names) + ")")
            binds += [
                bindparam(name, type_=table.c[column].type)
                for name, column in zip(names, columns, strict=True)
            ]
        statements.append(f"INSERT INTO {quote(table.name)} ({listed}) VALUES {', '.join(rows)}")
    *before, last = statements
    if before:
        last = "WITH " + ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(before)) + " " + last
    return text(last).bindparams(*binds)


async def take_turns(session: AsyncSession, space: str, keys: Iterable[str]) -> None:
    """Writers of one key take turns until their transactions end.

    A read-compute-write (a rollup's "take the old state out, put the new in")
    is right only if no other writer changes the same state meanwhile, as two
    consumers of one partition do while it moves. On PostgreSQL a transaction
    advisory lock per (space, key), taken in one order so two writers cannot
    deadlock; SQLite lets one writer in at a time already.
    """
    wanted = sorted(set(keys))
    if not wanted or not on_postgresql(session):
        return
    await session.execute(
        text(
            "SELECT pg_advisory_xact_lock(hashtext(:space), h) FROM"
            " (SELECT DISTINCT hashtext(k) AS h FROM unnest(CAST(:keys AS text[])) AS k"
            " ORDER BY h) AS wanted"
        ),
        {"space": space, "keys": wanted},
    )


def on_postgresql(session: AsyncSession) -> bool:
    """PostgreSQL, rather than the embedded default SQLite."""
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: AsyncSession, table: FromClause) -> Any:
    """INSERT in the dialect that knows ON CONFLICT (PostgreSQL or SQLite)."""
    insert = postgresql_insert if on_postgresql(session) else sqlite_insert
    return insert(cast(Table, table))
