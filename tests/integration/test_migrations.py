"""Every service's revisions build the messaging tables of shared/tables.py through the one
helper (shared/messaging_migrations.py), and go down to nothing and up again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services import SERVICE_NAMES, service_module
from shared.db import create_engine
from shared.migrate import alembic_config, upgrade
from shared.tables import MESSAGING_METADATA
from tests.infra import Databases, new_databases

MESSAGING_TABLES = set(MESSAGING_METADATA.tables)


@pytest.fixture(scope="module")
async def databases(postgres: str) -> AsyncIterator[Databases]:
    databases = new_databases(postgres)
    try:
        yield databases
    finally:
        await databases.drop_all()


def _messaging_differences(connection: Connection) -> list[Any]:
    """What the database's messaging tables lack or have beyond shared/tables.py."""

    def messaging(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return getattr(table, "name", name) in MESSAGING_TABLES

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": messaging}
    )
    differences: list[Any] = compare_metadata(context, MESSAGING_METADATA)
    return differences


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _check(url: str, service: str) -> None:
    module = service_module(service)
    await asyncio.to_thread(upgrade, url, module.MIGRATIONS, module.METADATA)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            assert MESSAGING_TABLES <= await connection.run_sync(_tables)
            assert await connection.run_sync(_messaging_differences) == []
        config = alembic_config(url, module.MIGRATIONS, module.METADATA)
        await asyncio.to_thread(command.downgrade, config, "base")
        async with engine.connect() as connection:
            assert await connection.run_sync(_tables) == {"alembic_version"}
        await asyncio.to_thread(command.upgrade, config, "head")
        async with engine.connect() as connection:
            assert await connection.run_sync(_messaging_differences) == []
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_messaging_tables_on_postgresql(databases: Databases, service: str) -> None:
    await _check(await databases.create(f"migrations_{service}"), service)


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_messaging_tables_on_sqlite(tmp_path: Path, service: str) -> None:
    await _check(f"sqlite+aiosqlite:///{tmp_path / service}.db", service)
