"""Fixtures: the real PostgreSQL, the real broker, and the services running on them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from services import SERVICE_NAMES, service_module
from shared.auth import Role, issue_token
from shared.migrate import upgrade
from shared.service import Runtime
from shared.settings import ServiceSettings
from tests.infra import (
    Broker,
    Databases,
    embedded_broker,
    kafka_broker,
    new_databases,
    postgres_server,
)

TEST_SECRET = "qise-test-secret-0123456789abcdef0123456789"
T = TypeVar("T")


def token(
    role: Role = "county_admin", communities: list[str] | None = None, sub: str = "tester"
) -> str:
    settings = ServiceSettings(jwt_secret=TEST_SECRET)
    scope = communities if communities is not None else ["*"]
    return issue_token(settings, sub=sub, role=role, communities=scope, ttl=timedelta(hours=1))


def auth(
    role: Role = "county_admin", communities: list[str] | None = None, sub: str = "tester"
) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, communities, sub)}"}


ADMIN = auth()


async def eventually(
    check: Callable[[], Awaitable[T]], timeout: float = 20.0, interval: float = 0.1
) -> T:
    """Retry `check` until it stops raising AssertionError; the events are on their way."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await check()
        except AssertionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(interval)


@dataclass
class RunningService:
    name: str
    app: FastAPI
    client: httpx.AsyncClient
    manager: LifespanManager
    settings: ServiceSettings

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def stop(self) -> None:
        await self.client.aclose()
        await self.manager.__aexit__(None, None, None)


@dataclass
class Stack:
    """The running system, plus a way to start more service instances."""

    databases: Databases
    broker: Broker
    services: dict[str, RunningService] = field(default_factory=dict)

    async def database(self, name: str) -> str:
        url = await self.databases.create(name)
        module = service_module(name.split("_")[0])
        await asyncio.to_thread(upgrade, url, module.MIGRATIONS, module.METADATA)
        return url

    async def start(self, name: str, database_url: str, **overrides: Any) -> RunningService:
        module = service_module(name)
        settings = module.SETTINGS(
            database_url=database_url,
            kafka_bootstrap_servers=self.broker.bootstrap,
            jwt_secret=TEST_SECRET,
            outbox_poll_seconds=0.05,
            consumer_session_timeout_ms=3000,
            **overrides,
        )
        app = module.create_app(settings)
        manager = LifespanManager(app, startup_timeout=30, shutdown_timeout=30)
        await manager.__aenter__()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url=f"http://{name}", timeout=30
        )
        return RunningService(name, app, client, manager, settings)

    def __getitem__(self, name: str) -> httpx.AsyncClient:
        return self.services[name].client


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    with kafka_broker() as running:
        yield running


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
async def stack(postgres: str, broker: Broker) -> AsyncIterator[Stack]:
    stack = Stack(new_databases(postgres), broker)
    try:
        for name in SERVICE_NAMES:
            stack.services[name] = await stack.start(name, await stack.database(name))
        yield stack
    finally:
        for service in stack.services.values():
            await service.stop()
        await stack.databases.drop_all()


async def new_community(stack: Stack, prefix: str, name: str) -> str:
    """A fresh community of the test branch, its id starting with `prefix`."""
    community_id = f"{prefix}{uuid.uuid4().hex[:12]}"
    response = await stack["registry"].post(
        "/communities",
        json={"id": community_id, "name": f"{name} {community_id}", "branch": "测试大支部"},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    return community_id


@pytest.fixture
def own_broker() -> Iterator[Broker]:
    """An embedded broker for this test alone, apart from the stack's."""
    with embedded_broker() as broker:
        yield broker


@pytest.fixture
async def community(stack: Stack) -> str:
    """A fresh community: tests share the running system and stay apart by community."""
    return await new_community(stack, "c", "测试社区")
