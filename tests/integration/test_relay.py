"""The relay never keeps a transaction open while it waits on the broker.

SQLite: writes go on while the broker does not answer, and are published once
it does. PostgreSQL: the one-relay-per-service lock is a session lock on a
connection of its own, so no transaction stays open across the network call.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from services.registry import app as registry_app
from services.registry import events as registry
from shared.migrate import upgrade
from shared.outbox import Outbox, OutboxRelay
from tests.conftest import ADMIN, Stack, eventually
from tests.infra import Broker
from tests.unit.test_relay import FakeBroker, FakeCluster, FakeProducer


async def test_writes_on_sqlite_go_on_while_the_broker_does_not_answer(
    stack: Stack, own_broker: Broker, tmp_path: Path
) -> None:
    broker = own_broker
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    await asyncio.to_thread(upgrade, url, registry_app.MIGRATIONS, registry_app.METADATA)
    service = await Stack(stack.databases, broker).start("registry", url)
    assert broker.process is not None

    async def create(community: str) -> float:
        started = time.monotonic()
        response = await service.client.post(
            "/communities",
            json={"id": community, "name": f"社区{community}", "branch": "测试大支部"},
            headers=ADMIN,
        )
        assert response.status_code == 201, response.text
        return time.monotonic() - started

    async def published_all() -> None:
        response = await service.client.get("/admin/outbox", headers=ADMIN)
        assert response.json()["unpublished"] == 0, response.json()

    try:
        await create("sqlite-up")
        await eventually(published_all, timeout=30)
        # The broker stops answering (stopped, not gone: connections hang, as on a
        # network partition) while the relay has events to send.
        broker.process.send_signal(signal.SIGSTOP)
        await create("sqlite-first")
        await asyncio.sleep(1.0)  # the relay is now waiting on the broker
        took = [await create(f"sqlite-down-{i}") for i in range(5)]
        assert max(took) < 2.0, took
        broker.process.send_signal(signal.SIGCONT)
        await eventually(published_all, timeout=60)
    finally:
        broker.process.send_signal(signal.SIGCONT)
        await service.stop()


async def test_on_postgresql_no_transaction_stays_open_while_the_broker_is_waited_on(
    stack: Stack,
) -> None:
    url = await stack.database("registry_relay_lock")
    engine = create_async_engine(url)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    fake = FakeBroker()
    box = Outbox(service="relay-lock", topic="qise.test.relay")

    def relay() -> OutboxRelay:
        return OutboxRelay(
            outbox=box,
            sessionmaker=sessionmaker,
            producer=FakeProducer(fake),
            cluster=FakeCluster(fake),  # type: ignore[arg-type]
        )

    async def waiting_in_transaction() -> int:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%'"
                )
            )
        return int(found or 0)

    first, second = relay(), relay()
    try:
        async with sessionmaker() as session, session.begin():
            for i in range(3):
                await box.record(
                    session,
                    registry.CommunityCreated(community_id="a", name=f"{i}"),
                    community="a",
                    subject="communities/a",
                )
        fake.down = asyncio.Event()
        publishing = asyncio.create_task(first.publish_pending())
        await asyncio.sleep(0.5)  # the first relay now waits on the broker
        assert not publishing.done()
        assert await waiting_in_transaction() == 0
        # The second finds the lock taken, without waiting for it.
        assert await asyncio.wait_for(second.publish_pending(), 5) == 0
        fake.down.set()
        assert await publishing >= 3  # with the events its migrations recorded
        await first.lock.release()
        fake.down = None
        # Released, the lock is the other relay's to take.
        assert await second.lock.held()
    finally:
        if fake.down is not None:
            fake.down.set()
        for each in (first, second):
            await each.lock.release()
        await engine.dispose()
