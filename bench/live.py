"""The write side as it runs in production: registry and activities processes, and a
small world of communities, teams and volunteers created through the registry API.

Activities learns of teams and volunteers from registry events; until it has,
logging answers 422 `not-yet-known`. `wait_known` retries until each community
can log, and `wait_replica` waits until activities has replicated the registry
events already in the topic, so no catching-up runs during the measurements.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from bench.cluster import Cluster, Process
from bench.dataset import CST, Dataset
from bench.loadgen import request_bytes
from services.activities.handlers import REGISTRY_HANDLERS

NOT_YET_KNOWN = "https://qise.dev/problems/not-yet-known"


@dataclass
class LiveWorld:
    """Communities made through the API; `probe` is kept for the freshness probes."""

    communities: list[str]
    teams: dict[str, str] = field(default_factory=dict)
    volunteers: dict[str, list[str]] = field(default_factory=dict)

    @property
    def probe(self) -> str:
        return self.communities[0]

    @property
    def load(self) -> list[str]:
        return self.communities[1:] or self.communities


async def create_world(
    client: httpx.AsyncClient, registry: Process, communities: int, volunteers: int
) -> LiveWorld:
    world = LiveWorld([f"w{i:02d}" for i in range(communities)])
    phone = 13900000000
    for community in world.communities:
        response = await client.post(
            registry.url + "/communities",
            json={"id": community, "name": f"压测社区{community}", "branch": "压测大支部"},
        )
        response.raise_for_status()
        team = await client.post(
            registry.url + "/teams",
            json={"community_id": community, "category": "orange", "name": "橙色关爱服务队"},
        )
        team.raise_for_status()
        world.teams[community] = team.json()["id"]
        world.volunteers[community] = []
        for number in range(volunteers):
            phone += 1
            person = await client.post(
                registry.url + "/volunteers",
                json={"community_id": community, "name": f"志愿者{number}", "phone": str(phone)},
            )
            person.raise_for_status()
            world.volunteers[community].append(person.json()["id"])
    return world


def activity_body(world: LiveWorld, community: str, number: int) -> dict[str, Any]:
    """A valid activity of yesterday, with two or three of the community's volunteers."""
    day: date = datetime.now(CST).date() - timedelta(days=1 + number % 20)
    started = datetime.combine(day, datetime.min.time(), CST).replace(hour=9)
    people = world.volunteers[community]
    chosen = [people[(number + k) % len(people)] for k in range(2 + number % 2)]
    return {
        "community_id": community,
        "team_id": world.teams[community],
        "kind": "care_visit",
        "title": f"关爱走访第{number}次",
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(hours=3)).isoformat(),
        "location": "社区服务中心",
        "participants": [{"volunteer_id": v, "hours": 2.5} for v in chosen],
        "people_served": 10 + number % 40,
        "beneficiaries": {"elderly": 5},
        "outputs": {"brochures": 20},
    }


def activity_requests(
    world: LiveWorld, token: str, count: int, path: str = "/activities"
) -> list[bytes]:
    """`count` distinct pre-built POST requests across the load communities."""
    headers = {"Authorization": f"Bearer {token}"}
    return [
        request_bytes(
            "POST",
            path,
            body=activity_body(world, world.load[n % len(world.load)], n),
            headers=headers,
        )
        for n in range(count)
    ]


def replica_events(dataset: Dataset) -> int:
    """How many of the pre-loaded registry events the activities replica applies."""
    return sum(1 for m in dataset.registry if m.type in REGISTRY_HANDLERS)


async def wait_replica(cluster: Cluster, at_least: int, timeout: float) -> float:
    """Until activities recorded `at_least` applied registry events; the seconds it took."""
    started = time.perf_counter()
    connection = await asyncpg.connect(cluster.databases.dsn("activities"))
    try:
        while True:
            done = await connection.fetchval(
                "SELECT count(*) FROM processed_events WHERE consumer = 'registry-replica'"
            )
            if done >= at_least:
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"activities replicated {done} of {at_least} registry events")
            await asyncio.sleep(0.25)
    finally:
        await connection.close()


async def wait_known(
    client: httpx.AsyncClient, activities: Process, world: LiveWorld, timeout: float
) -> float:
    """Log one activity per community, retrying while activities answers not-yet-known."""
    started = time.perf_counter()
    for number, community in enumerate(world.communities):
        while True:
            response = await client.post(
                activities.url + "/activities", json=activity_body(world, community, number)
            )
            if response.status_code == 201:
                break
            if response.status_code != 422 or response.json().get("type") != NOT_YET_KNOWN:
                raise RuntimeError(f"activities answered {response.status_code}: {response.text}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError("activities did not learn the teams and volunteers in time")
            await asyncio.sleep(0.2)
    return time.perf_counter() - started
