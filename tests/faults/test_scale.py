"""Scale-out on one machine: stats as three processes in one consumer group share the
partitions and keep the figures exact; registry as two processes behind one
(simulated) balancer publishes through one outbox relay at a time."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services import SERVICE_NAMES
from tests.conftest import TEST_SECRET, eventually
from tests.faults.cluster import Cluster, running_cluster
from tests.faults.test_faults import HEADERS, call, ok
from tests.integration.test_stats import headline, truth

pytestmark = pytest.mark.faults
STATS = ["stats", "stats-2", "stats-3"]
REGISTRIES = ["registry", "registry-2"]


@pytest.fixture(scope="module")
async def scaled() -> AsyncIterator[Cluster]:
    async with running_cluster(
        TEST_SECRET, [*SERVICE_NAMES, "stats-2", "stats-3", "registry-2"]
    ) as running:
        yield running


class Balanced:
    """Clients by service; several processes of one service take turns, as behind a balancer."""

    def __init__(self, cluster: Cluster) -> None:
        def client(name: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(base_url=cluster.url(name), headers=HEADERS, timeout=10)

        self.pools = {
            "registry": itertools.cycle([client(n) for n in REGISTRIES]),
            "stats": itertools.cycle([client(n) for n in STATS]),
            **{n: itertools.repeat(client(n)) for n in ("activities", "requests")},
        }

    def __getitem__(self, name: str) -> httpx.AsyncClient:
        return next(self.pools[name])


async def test_three_stats_processes_share_partitions_and_stay_exact(scaled: Cluster) -> None:
    clients = Balanced(scaled)
    communities = [f"s{uuid.uuid4().hex[:8]}" for _ in range(6)]
    for community in communities:
        await call(
            clients["registry"], "POST", "/communities", json={"id": community, "name": community}
        )
        team = ok(
            await call(
                clients["registry"],
                "POST",
                "/teams",
                json={"community_id": community, "category": "orange", "name": "橙色队"},
            )
        )
        assert team is not None
        people: list[dict[str, Any]] = []
        for i in range(4):
            body = {"community_id": community, "name": f"志愿者{i}", "phone": f"1370000{i:04d}"}
            volunteer = ok(await call(clients["registry"], "POST", "/volunteers", json=body))
            assert volunteer is not None
            people.append(volunteer)
        for i in range(3):
            activity: dict[str, Any] = {
                "community_id": community,
                "team_id": team["id"],
                "kind": "care_visit",
                "title": "关爱走访",
                "started_at": f"2026-11-0{i + 1}T09:00:00+08:00",
                "ended_at": f"2026-11-0{i + 1}T11:00:00+08:00",
                "participants": [{"volunteer_id": p["id"], "hours": 2} for p in people[:2]],
                "people_served": 5,
            }
            assert ok(await call(clients["activities"], "POST", "/activities", json=activity))

    async def shared_and_exact() -> dict[str, Any]:
        owners: dict[str, list[int]] = {}
        for name in STATS:
            lag = (
                await httpx.AsyncClient(base_url=scaled.url(name), headers=HEADERS).get(
                    "/stats/lag"
                )
            ).json()
            for consumer in lag["consumers"]:
                if consumer["consumer"] == "activities":
                    owners[name] = consumer["partitions"]
        partitions = sorted(p for ps in owners.values() for p in ps)
        assert partitions == [0, 1, 2], owners  # each partition has exactly one owner
        assert sum(1 for ps in owners.values() if ps) >= 2, owners  # the work is shared
        for community in communities:
            expected = await truth(clients, community)
            for _ in STATS:  # every process answers the same, exact figures
                shown = (
                    await clients["stats"].get(
                        "/stats/overview", params={"scope": "community", "id": community}
                    )
                ).json()
                assert headline(shown) == expected
        return owners

    owners = await eventually(shared_and_exact, timeout=90, interval=1.0)
    print("\nactivities partitions by stats process:", owners)
