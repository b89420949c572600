"""The whole system on each database it supports: the PostgreSQL stack every test
shares, and the same four services on SQLite files (the `make run` default)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from services import SERVICE_NAMES, service_module
from shared.broker import free_port, start_embedded_broker, stop_process
from shared.migrate import upgrade
from tests.conftest import ADMIN, Stack
from tests.infra import Broker, new_databases


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
    port = free_port()
    stack = Stack(new_databases(postgres), Broker(f"127.0.0.1:{port}", start_embedded_broker(port)))
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
        if stack.broker.process is not None:
            stop_process(stack.broker.process)


@pytest.fixture(params=["postgresql", "sqlite"])
def system(request: pytest.FixtureRequest) -> Stack:
    name = "stack" if request.param == "postgresql" else "sqlite_stack"
    running: Stack = request.getfixturevalue(name)
    return running


@pytest.fixture
async def place(system: Stack) -> str:
    """A fresh community of the system under test."""
    community_id = f"r{uuid.uuid4().hex[:12]}"
    response = await system["registry"].post(
        "/communities",
        json={"id": community_id, "name": f"并发社区 {community_id}", "branch": "测试大支部"},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    return community_id
