"""The whole system on each database it supports: the PostgreSQL stack every test
shares, and the same four services on SQLite files (the `make run` default)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from services import SERVICE_NAMES, service_module
from shared.migrate import upgrade
from tests.conftest import Stack, new_community
from tests.infra import embedded_broker, new_databases


@pytest.fixture(scope="session")
async def sqlite_stack(
    postgres: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """Four services on SQLite with an embedded broker of their own.

    Its own broker, not only its own consumer groups: on shared topics each
    system's services would also apply the other's events (care tasks made from
    the other's life events), and its stats would count them.
    """
    folder = tmp_path_factory.mktemp("sqlite-stack")
    with embedded_broker() as broker:
        stack = Stack(new_databases(postgres), broker)
        try:
            for name in SERVICE_NAMES:
                url = f"sqlite+aiosqlite:///{folder / name}.db"
                module = service_module(name)
                await asyncio.to_thread(upgrade, url, module.MIGRATIONS, module.METADATA)
                stack.services[name] = await stack.start(name, url)
            yield stack
        finally:
            for service in stack.services.values():
                await service.stop()


@pytest.fixture(params=["postgresql", "sqlite"])
def system(request: pytest.FixtureRequest) -> Stack:
    name = "stack" if request.param == "postgresql" else "sqlite_stack"
    running: Stack = request.getfixturevalue(name)
    return running


@pytest.fixture
async def place(system: Stack) -> str:
    """A fresh community of the system under test."""
    return await new_community(system, "r", "并发社区")
