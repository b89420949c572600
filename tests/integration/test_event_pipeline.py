"""The thin slice end to end: registry -> outbox -> Kafka -> stats, on the real
PostgreSQL and broker, with duplicates, a restart and a poison message."""

from __future__ import annotations

import uuid
from functools import partial

import httpx
from aiokafka import AIOKafkaConsumer
from sqlalchemy import select

from services.registry import events as registry_events
from shared.events import new_event
from shared.tables import outbox
from tests.api import create, send_raw
from tests.conftest import ADMIN, Stack, eventually


async def register(client: httpx.AsyncClient, community: str, phone: str, **fields: object) -> dict:
    body = {"community_id": community, "name": "王芳", "phone": phone, **fields}
    return await create(client, "/volunteers", body)


async def overview(client: httpx.AsyncClient, community: str) -> dict:
    response = await client.get(
        "/stats/overview", params={"scope": "community", "id": community}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return response.json()


async def volunteers_become(client: httpx.AsyncClient, community: str, expected: int) -> dict:
    async def check() -> dict:
        figures = await overview(client, community)
        assert figures["volunteers"] == expected, figures
        return figures

    return await eventually(check)


async def test_registered_volunteer_is_counted(stack: Stack, community: str) -> None:
    await register(stack["registry"], community, "13800000001", is_party_member=True)
    figures = await volunteers_become(stack["stats"], community, 1)
    assert figures["party_member_volunteers"] == 1
    assert figures["as_of"] is not None


async def test_event_is_written_with_the_change(stack: Stack, community: str) -> None:
    volunteer = await register(stack["registry"], community, "13800000002")
    duplicate = await stack["registry"].post(
        "/volunteers",
        json={"community_id": community, "name": "李四", "phone": "13800000002"},
        headers=ADMIN,
    )
    assert duplicate.status_code == 409
    async with stack.services["registry"].runtime.sessionmaker() as session:
        rows = (
            await session.execute(
                select(outbox.c.event_type, outbox.c.payload)
                .where(outbox.c.key == community)
                .order_by(outbox.c.seq)
            )
        ).all()
    types = [r.event_type for r in rows]
    assert types == ["qise.community.created.v1", "qise.volunteer.registered.v1"]
    assert volunteer["id"] in rows[1].payload
    assert "13800000002" not in rows[1].payload, "whole phone numbers never leave the registry"


def _volunteer_event(community: str, phone_masked: str = "138****0000") -> bytes:
    data = registry_events.VolunteerRegistered(
        volunteer_id=str(uuid.uuid4()),
        community_id=community,
        name="重复",
        phone_masked=phone_masked,
    )
    envelope = new_event(
        data, source="/qise/registry", community=community, subject=data.volunteer_id
    )
    return envelope.to_json()


async def test_event_delivered_twice_counts_once(stack: Stack, community: str) -> None:
    twice = _volunteer_event(community)
    # A different event after the duplicate: once it counts, the duplicate was seen.
    await send_raw(
        stack, registry_events.TOPIC, community, twice, twice, _volunteer_event(community)
    )
    await volunteers_become(stack["stats"], community, 2)


async def test_stats_restarted_meanwhile_loses_nothing(stack: Stack, community: str) -> None:
    database = await stack.database("stats_restart")
    stats = await stack.start("stats", database, consumer_group="qise-stats-restart")
    try:
        await register(stack["registry"], community, "13800000003")
        await volunteers_become(stats.client, community, 1)
    finally:
        await stats.stop()
    await register(stack["registry"], community, "13800000004")
    await register(stack["registry"], community, "13800000005")
    stats = await stack.start("stats", database, consumer_group="qise-stats-restart")
    try:
        await volunteers_become(stats.client, community, 3)
    finally:
        await stats.stop()


async def _dead_letters(bootstrap: str, topic: str, wanted: bytes) -> dict[str, bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"dlq-reader-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:

        async def find() -> dict[str, bytes]:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    if record.value == wanted:
                        return dict(record.headers)
            raise AssertionError("poison message not in the DLQ yet")

        return await eventually(find)
    finally:
        await consumer.stop()


async def test_malformed_message_goes_to_dlq_and_next_is_applied(
    stack: Stack, community: str
) -> None:
    poison = b'{"specversion": "1.0", "oops": ' + community.encode()
    await send_raw(stack, registry_events.TOPIC, community, poison)
    await register(stack["registry"], community, "13800000006")
    await volunteers_become(stack["stats"], community, 1)
    headers = await _dead_letters(stack.broker.bootstrap, registry_events.TOPIC + ".dlq", poison)
    assert b"not a CloudEvents 1.0 JSON document" in headers["qise-dlq-reason"]
    assert headers["qise-dlq-topic"] == registry_events.TOPIC.encode()
    metrics = (await stack["stats"].get("/metrics")).text
    assert (
        'qise_events_dead_lettered_total{service="stats",topic="qise.registry.events"}' in metrics
    )


async def test_operations_endpoints(stack: Stack) -> None:
    for name in ("registry", "activities", "requests", "stats"):
        client = stack[name]
        assert (await client.get("/healthz")).status_code == 200
        ready = await eventually(partial(_ready, client))
        assert ready == {"status": "ready", "database": True, "kafka": True}
        metrics = await client.get("/metrics")
        assert "qise_http_request_seconds" in metrics.text
        assert (await client.get("/openapi.json")).status_code == 200


async def _ready(client: httpx.AsyncClient) -> dict:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    return response.json()
