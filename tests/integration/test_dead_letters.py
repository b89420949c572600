"""Poison messages: each goes to its dead-letter topic with the reason, the consumer
goes on, /metrics counts it, and an operator can list and re-drive it. An event
naming what is not known here yet is parked until it applies or its horizon passes."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select
from typer.testing import CliRunner

from qise.cli import app as cli
from services.registry import events as registry_events
from services.requests import events as requests_events
from shared.dlq import DeadLetter, read_dead_letters, replay
from shared.events import new_event
from shared.tables import parked_events
from tests.api import send_raw
from tests.conftest import ADMIN, RunningService, Stack, eventually
from tests.integration.test_event_pipeline import register, volunteers_become
from tests.integration.test_requests import county_event


def dead_lettered(metrics: str) -> float:
    match = re.search(
        r'qise_events_dead_lettered_total\{service="stats",topic="qise.registry.events"\} (\S+)',
        metrics,
    )
    return float(match.group(1)) if match else 0.0


async def test_each_kind_of_poison_is_dead_lettered_and_the_consumer_goes_on(
    stack: Stack, community: str
) -> None:
    before = dead_lettered((await stack["stats"].get("/metrics")).text)
    good = orjson.loads(
        new_event(
            registry_events.CommunityCreated(community_id=community, name="x"),
            source="/qise/registry",
            community=community,
            subject=community,
        ).to_json()
    )
    poisons = {
        "malformed": b"{not json " + community.encode(),
        "version": orjson.dumps(
            {**good, "id": str(uuid.uuid4()), "type": "qise.community.created.v9"}
        ),
        "unknown": orjson.dumps(
            {**good, "id": str(uuid.uuid4()), "type": "qise.mystery.happened.v1"}
        ),
        "shape": orjson.dumps({**good, "id": str(uuid.uuid4()), "data": {"name": 42}}),
        "huge": orjson.dumps({**good, "id": str(uuid.uuid4()), "data": {"pad": "x" * 1_200_000}}),
    }
    producer = AIOKafkaProducer(
        bootstrap_servers=stack.broker.bootstrap, max_request_size=4_000_000
    )
    await producer.start()
    try:
        for message in poisons.values():
            await producer.send_and_wait(registry_events.TOPIC, message, key=community.encode())
    finally:
        await producer.stop()
    await register(stack["registry"], community, "13800009001")
    await volunteers_become(stack["stats"], community, 1)

    async def all_there() -> dict[str, str]:
        letters = await read_dead_letters(stack.broker.bootstrap, [registry_events.TOPIC + ".dlq"])
        reasons = {}
        for name, message in poisons.items():
            head = message[:100_000]
            found = [
                d
                for d in letters
                if d.value == head
                and d.headers.get("qise-dlq-consumer", "").startswith("qise-stats")
            ]
            assert found, name
            reasons[name] = found[0].reason
        return reasons

    reasons = await eventually(all_there, timeout=30)
    assert "not a CloudEvents 1.0 JSON document" in reasons["malformed"]
    assert "unknown event type 'qise.community.created.v9'" in reasons["version"]
    assert "unknown event type 'qise.mystery.happened.v1'" in reasons["unknown"]
    assert "data does not match qise.community.created.v1" in reasons["shape"]
    assert "too large" in reasons["huge"]
    after = dead_lettered((await stack["stats"].get("/metrics")).text)
    assert after - before >= 5


@pytest.fixture
async def requests_with_short_horizon(stack: Stack) -> AsyncIterator[RunningService]:
    """A requests instance of its own, whose parked events wait 12 s before the DLQ."""
    name = uuid.uuid4().hex[:8]
    url = await stack.database(f"requests_parking{name}")
    service = await stack.start(
        "requests",
        url,
        consumer_group=f"qise-requests-parking-{name}",
        consumer_park_horizon_seconds=HORIZON,
    )
    try:
        yield service
    finally:
        await service.stop()


HORIZON = 12.0


async def send_county_order(stack: Stack, community: str, description: str) -> bytes:
    message = county_event(community, description=description)
    await send_raw(stack, requests_events.INBOUND_TOPIC, community, message)
    return message


async def orders_of(service: RunningService, community: str) -> int:
    listed = await service.client.get(
        "/requests", params={"community_id": community}, headers=ADMIN
    )
    return len(listed.json()["items"])


async def parked_for(service: RunningService, community: str) -> list[str]:
    async with service.runtime.sessionmaker() as session:
        reasons = await session.scalars(
            select(parked_events.c.reason).where(parked_events.c.consumer == "county-inbound")
        )
        return [r for r in reasons if community in r]


async def test_a_county_order_for_a_community_not_known_yet_becomes_an_order_when_it_arrives(
    stack: Stack, requests_with_short_horizon: RunningService
) -> None:
    requests = requests_with_short_horizon
    late = f"late{uuid.uuid4().hex[:8]}"
    await send_county_order(stack, late, "社区登记前到达的订单")

    async def parked() -> None:
        assert await parked_for(requests, late)

    await eventually(parked, timeout=30)
    assert await orders_of(requests, late) == 0

    created = await stack["registry"].post(
        "/communities", json={"id": late, "name": "迟到社区"}, headers=ADMIN
    )
    assert created.status_code == 201

    async def ordered() -> None:
        assert await orders_of(requests, late) == 1
        assert await parked_for(requests, late) == []

    await eventually(ordered, timeout=HORIZON)


async def test_an_order_still_unknown_past_the_horizon_is_dead_lettered_and_replayed_once_fixed(
    stack: Stack, requests_with_short_horizon: RunningService
) -> None:
    requests = requests_with_short_horizon
    unknown = f"late{uuid.uuid4().hex[:8]}"
    early = await send_county_order(stack, unknown, "社区还未登记时到达的订单")
    dlq = requests_events.INBOUND_TOPIC + ".dlq"
    group = requests.settings.group_id

    async def dead() -> list[DeadLetter]:
        letters = [
            d
            for d in await read_dead_letters(stack.broker.bootstrap, [dlq])
            if d.value == early and d.headers.get("qise-dlq-consumer", "").startswith(group)
        ]
        assert letters
        return letters

    [letter] = await eventually(dead, timeout=HORIZON + 30)
    assert "not applicable after" in letter.reason and "not known here" in letter.reason
    assert await parked_for(requests, unknown) == []

    runner = CliRunner()
    env = {"KAFKA_BOOTSTRAP_SERVERS": stack.broker.bootstrap}
    listed = await asyncio.to_thread(
        runner.invoke, cli, ["dlq", "list", "--topic", requests_events.INBOUND_TOPIC], env=env
    )
    assert (
        listed.exit_code == 0 and letter.ref in listed.output and "not known here" in listed.output
    )

    created = await stack["registry"].post(
        "/communities", json={"id": unknown, "name": "迟到社区"}, headers=ADMIN
    )
    assert created.status_code == 201

    async def known() -> None:
        async with requests.runtime.sessionmaker() as session:
            from services.requests.models import Community

            assert await session.get(Community, unknown) is not None

    await eventually(known)
    # The command runs its own event loop: give it a thread of its own.
    replayed = await asyncio.to_thread(runner.invoke, cli, ["dlq", "replay", letter.ref], env=env)
    assert replayed.exit_code == 0, replayed.output

    async def ordered() -> None:
        assert await orders_of(requests, unknown) == 1

    await eventually(ordered)
    assert await replay(stack.broker.bootstrap, [letter]) == 1  # twice: still one order
    await eventually(ordered)
