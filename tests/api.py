"""Small steps through the public APIs that many tests take."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaProducer
from sqlalchemy import select

from shared.tables import outbox
from tests.conftest import ADMIN, Stack

_phones = itertools.count(13700000000)


def next_phone() -> str:
    return str(next(_phones))


async def create(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str] = ADMIN
) -> dict[str, Any]:
    """POST `body` to `path`, which must answer 201 Created; what was created."""
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def read(client: httpx.AsyncClient, path: str, **params: Any) -> Any:
    """GET `path` as the county admin, which must answer 200 OK; what it holds."""
    response = await client.get(path, params=params or None, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


async def order_of(stack: Stack, order_id: str) -> dict[str, Any]:
    """The order as the requests service holds it now."""
    order: dict[str, Any] = await read(stack["requests"], f"/requests/{order_id}")
    return order


async def create_community(
    client: httpx.AsyncClient, community_id: str, name: str, branch: str | None
) -> str:
    """A community registered in the registry (`client`), in `branch` (None: in none)."""
    await create(client, "/communities", {"id": community_id, "name": name, "branch": branch})
    return community_id


async def create_branch(
    client: httpx.AsyncClient, branch_id: str, name: str, **fields: Any
) -> dict[str, Any]:
    return await create(client, "/branches", {"id": branch_id, "name": name, **fields})


async def create_volunteer(
    client: httpx.AsyncClient, community: str, headers: dict[str, str] = ADMIN, **fields: Any
) -> dict[str, Any]:
    body = {"community_id": community, "name": "王芳", "phone": next_phone(), **fields}
    return await create(client, "/volunteers", body, headers)


async def create_team(
    client: httpx.AsyncClient, community: str, category: str = "orange", **fields: Any
) -> dict[str, Any]:
    body = {"community_id": community, "category": category, "name": f"{category} 服务队", **fields}
    return await create(client, "/teams", body)


async def create_resident_unit(
    client: httpx.AsyncClient, community: str, **fields: Any
) -> dict[str, Any]:
    """A resident unit (驻区单位) of the community: the district hospital, unless `fields`
    say otherwise."""
    body = {
        "community_id": community,
        "name": "区人民医院",
        "kind": "hospital",
        "contact_name": "周主任",
        "contact_phone": next_phone(),
        **fields,
    }
    return await create(client, "/resident-units", body)


async def join_team(
    client: httpx.AsyncClient, team: dict[str, Any], volunteer: dict[str, Any]
) -> None:
    """The registry (`client`) adds the volunteer to the team, as the county admin."""
    await create(client, f"/teams/{team['id']}/members", {"volunteer_id": volunteer["id"]})


async def send_raw(stack: Stack, topic: str, key: str, *messages: bytes) -> None:
    """Put messages on a topic as another system would, one after another, in this order."""
    producer = AIOKafkaProducer(bootstrap_servers=stack.broker.bootstrap)
    await producer.start()
    try:
        for message in messages:
            await producer.send_and_wait(topic, message, key=key.encode())
    finally:
        await producer.stop()


async def published_events(stack: Stack, service: str, community: str) -> list[dict[str, Any]]:
    """The events a service recorded for a community, oldest first (its outbox log)."""
    async with stack.services[service].runtime.sessionmaker() as session:
        payloads = await session.scalars(
            select(outbox.c.payload).where(outbox.c.key == community).order_by(outbox.c.seq)
        )
        return [orjson.loads(p) for p in payloads]


async def event_types(stack: Stack, service: str, community: str) -> list[str]:
    return [e["type"] for e in await published_events(stack, service, community)]
