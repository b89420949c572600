"""The write path's database shortcuts keep their meaning: rows inserted together are
all there or none is, on PostgreSQL and SQLite; a pooled connection that died while
idle is replaced before anyone uses it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Uuid, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.db import create_engine, create_sessionmaker, insert_together, ping_when_idle
from tests.infra import new_databases

METADATA = MetaData()
PARENTS = Table(
    "parents", METADATA, Column("id", Uuid, primary_key=True), Column("name", String(20))
)
CHILDREN = Table(
    "children",
    METADATA,
    Column("parent_id", Uuid, ForeignKey("parents.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
)


@pytest.fixture(params=["postgresql", "sqlite"])
async def engine(
    request: pytest.FixtureRequest, postgres: str, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    databases = new_databases(postgres)
    if request.param == "postgresql":
        url = await databases.create("write_path")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'write_path.db'}"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    try:
        yield engine
    finally:
        await engine.dispose()
        await databases.drop_all()


async def test_rows_of_several_tables_are_inserted_together(engine: AsyncEngine) -> None:
    parent = uuid.uuid4()
    async with create_sessionmaker(engine)() as session:
        await insert_together(
            session,
            [
                (PARENTS, [{"id": parent, "name": "一"}]),
                (CHILDREN, [{"parent_id": parent, "number": n} for n in range(3)]),
            ],
        )
        await session.commit()
        numbers = (await session.scalars(select(CHILDREN.c.number).order_by("number"))).all()
        assert numbers == [0, 1, 2]
        assert await session.scalar(select(PARENTS.c.name)) == "一"


async def test_rows_inserted_together_all_fail_together(engine: AsyncEngine) -> None:
    async with create_sessionmaker(engine)() as session:
        with pytest.raises(IntegrityError):
            await insert_together(
                session,
                [
                    (PARENTS, [{"id": uuid.uuid4(), "name": "二"}]),
                    (CHILDREN, [{"parent_id": uuid.uuid4(), "number": 1}]),
                ],
            )
        await session.rollback()
        assert await session.scalar(select(PARENTS.c.id)) is None


async def test_a_connection_that_died_while_idle_is_replaced(postgres: str) -> None:
    databases = new_databases(postgres)
    url = await databases.create("idle_ping")
    engine = create_async_engine(url, pool_size=1, max_overflow=0)
    ping_when_idle(engine, 0.0)
    try:
        async with engine.connect() as connection:
            before = await connection.scalar(text("SELECT pg_backend_pid()"))
        server = await asyncpg.connect(
            make_url(url).set(drivername="postgresql").render_as_string(False)
        )
        try:
            await server.execute("SELECT pg_terminate_backend($1)", before)
        finally:
            await server.close()
        async with engine.connect() as connection:
            after = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert after != before
    finally:
        await engine.dispose()
        await databases.drop_all()
