"""The stats rebuild as a group operation: three stats replicas on one PostgreSQL database
build the new generation together, the API answers from the old one until the new one has
caught up, then every replica answers from the new one; the public schema it leaves is the
migrations'."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.stats.app import MIGRATIONS
from services.stats.models import Base
from shared.db import create_engine
from shared.migrate import upgrade
from tests.api import create_volunteer, join_team
from tests.conftest import ADMIN, RunningService, Stack, eventually
from tests.integration.test_activities import activity_body, log
from tests.integration.test_stats import busy_community, headline, overview, truth
from tests.security.world import PROBLEM_JSON

# Added to the old generation's volunteer count by hand: a figure only it shows.
MARK = 1000
# Added to one partition's progress of the old generation: the build cannot catch up.
HELD = 1_000_000


@pytest.fixture
async def three(stack: Stack) -> AsyncIterator[list[RunningService]]:
    """Three stats replicas on one fresh database, in consumer groups of their own."""
    database = await stack.database(f"stats_three_{uuid.uuid4().hex[:6]}")
    group = f"qise-stats-three-{uuid.uuid4().hex[:6]}"
    replicas: list[RunningService] = []
    try:
        for _ in range(3):
            replicas.append(await stack.start("stats", database, consumer_group=group))
        yield replicas
    finally:
        # At once: a member leaving while its group rebalances after another one left
        # may wait for the broker's request timeout.
        await asyncio.gather(*(replica.stop() for replica in replicas))


async def status(replica: RunningService) -> dict[str, Any]:
    response = await replica.client.get("/admin/rebuild", headers=ADMIN)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def execute(sessionmaker: async_sessionmaker[AsyncSession], sql: str, **params: Any) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(text(sql), params)


async def rows(
    sessionmaker: async_sessionmaker[AsyncSession], sql: str, **params: Any
) -> list[Any]:
    async with sessionmaker() as session:
        return list((await session.execute(text(sql), params)).all())


async def test_three_replicas_rebuild_together_and_switch_at_once(
    stack: Stack, community: str, three: list[RunningService]
) -> None:
    people = await busy_community(stack, community)
    sessionmaker = three[0].runtime.sessionmaker
    group = three[0].settings.group_id

    async def old_generation_agrees() -> None:
        expected = await truth(stack, community)
        for replica in three:
            assert headline(await overview(replica.client, community)) == expected
        progress = (await status(three[0]))["partitions"]
        assert {p["consumer"] for p in progress if p["active_offset"]} == {
            "registry",
            "activities",
            "requests",
        }

    await eventually(old_generation_agrees, timeout=60)

    # A figure only the old generation shows, and one of its partitions held out of reach.
    await execute(
        sessionmaker,
        "UPDATE community_volunteers SET volunteers = volunteers + :mark WHERE community_id = :c",
        mark=MARK,
        c=community,
    )
    [(held_topic, held_partition, held_offset)] = await rows(
        sessionmaker,
        "SELECT topic, partition, next_offset FROM consumer_progress WHERE group_id = :g"
        " ORDER BY next_offset DESC LIMIT 1",
        g=f"{group}-g1-requests",
    )
    await execute(
        sessionmaker,
        "UPDATE consumer_progress SET next_offset = next_offset + :held"
        " WHERE group_id = :g AND topic = :t AND partition = :p",
        held=HELD,
        g=f"{group}-g1-requests",
        t=held_topic,
        p=held_partition,
    )

    started = await three[1].client.post("/admin/rebuild", headers=ADMIN)
    assert started.status_code == 202, started.text
    assert started.json() == {"generation": 2}
    again = await three[2].client.post("/admin/rebuild", headers=ADMIN)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM_JSON, again.text

    # Events arriving during the build: a new volunteer in a team, with an activity.
    registry = stack["registry"]
    newcomer = await create_volunteer(registry, community, name="新来的")
    await join_team(registry, people["orange"], newcomer)
    logged = await log(
        stack["activities"], activity_body(community, people["orange"], [newcomer, people["li"]])
    )
    assert logged.status_code == 201, logged.text

    builders: set[int] = set()

    async def built_but_held() -> None:
        # Every replica builds some partitions, in parallel; the build reaches every
        # partition in use but the held one, and the API still answers the old figures.
        for n, replica in enumerate(three):
            state = await status(replica)
            assert state["active"] == 1 and state["building"] == 2
            if state["replica"]["building"]:
                builders.add(n)
        assert builders == {0, 1, 2}
        expected = await truth(stack, community)
        for replica in three:
            figures = headline(await overview(replica.client, community))
            assert figures == {**expected, "volunteers": expected["volunteers"] + MARK}
        for p in (await status(three[0]))["partitions"]:
            reach = p["active_offset"] or 0
            if (p["consumer"], p["topic"], p["partition"]) == (
                "requests",
                held_topic,
                held_partition,
            ):
                reach -= HELD
            assert (p["building_offset"] or 0) >= reach, p
        assert all(s["building"] == 2 for s in [await status(r) for r in three])

    await eventually(built_but_held, timeout=120, interval=0.3)

    await execute(
        sessionmaker,
        "UPDATE consumer_progress SET next_offset = :offset"
        " WHERE group_id = :g AND topic = :t AND partition = :p",
        offset=held_offset,
        g=f"{group}-g1-requests",
        t=held_topic,
        p=held_partition,
    )

    async def switched() -> None:
        expected = await truth(stack, community)
        for replica in three:
            state = await status(replica)
            assert (state["active"], state["building"]) == (2, None)
            assert headline(await overview(replica.client, community)) == expected
            lag = (await replica.client.get("/stats/lag", headers=ADMIN)).json()
            assert lag["generation"] == 2 and lag["building"] is None
            assert {c.group_id for c in replica.runtime.consumers} == {
                f"{group}-g2-{name}" for name in ("registry", "activities", "requests")
            }
        schemas = await rows(
            sessionmaker, "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'stats\\_%'"
        )
        assert schemas == []

    await eventually(switched, timeout=60, interval=0.3)

    # New events after the switch reach every replica's answers once.
    late = await log(stack["activities"], activity_body(community, people["orange"], [newcomer]))
    assert late.status_code == 201, late.text
    await eventually(switched, timeout=30)

    rebuilt = await public_schema(three[0].settings.database_url)
    fresh = await public_schema(await stack.database(f"stats_fresh_{uuid.uuid4().hex[:6]}"))
    for part in fresh:
        assert (rebuilt[part] - fresh[part], fresh[part] - rebuilt[part]) == (set(), set()), part


async def public_schema(url: str) -> dict[str, set[tuple[Any, ...]]]:
    """The public schema's tables, columns, indexes and constraints, as PostgreSQL
    describes them."""
    engine = create_engine(url)
    queries = {
        "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default,"
        " character_maximum_length, numeric_precision, numeric_scale"
        " FROM information_schema.columns WHERE table_schema = 'public'",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = 'public'",
        "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE connamespace = 'public'::regnamespace",
    }
    try:
        async with engine.connect() as connection:
            return {
                name: {tuple(row) for row in await connection.execute(text(sql))}
                for name, sql in queries.items()
            }
    finally:
        await engine.dispose()


async def test_a_rebuild_can_be_abandoned(stack: Stack, three: list[RunningService]) -> None:
    first = (await three[0].client.post("/admin/rebuild", headers=ADMIN)).json()["generation"]
    assert (await status(three[1]))["building"] == first
    abandoned = await three[2].client.delete("/admin/rebuild", headers=ADMIN)
    assert abandoned.status_code == 200 and abandoned.json()["building"] is None

    async def stopped() -> None:
        for replica in three:
            assert (await status(replica))["replica"]["building"] == []
        schemas = await rows(
            three[0].runtime.sessionmaker,
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'stats\\_%'",
        )
        assert schemas == []

    await eventually(stopped, timeout=30)
    # Its number is not used again: its consumer groups hold offsets in the broker.
    second = (await three[0].client.post("/admin/rebuild", headers=ADMIN)).json()["generation"]
    assert second == first + 1
    await three[0].client.delete("/admin/rebuild", headers=ADMIN)


async def test_sqlite_rebuilds_in_place(stack: Stack, community: str, tmp_path: Path) -> None:
    """The embedded default, one process: the projections are emptied and filled again
    in new groups; nothing is built beside them."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'stats.db'}"
    await asyncio.to_thread(upgrade, url, MIGRATIONS, Base.metadata)
    stats = await stack.start(
        "stats", url, consumer_group=f"qise-stats-lite-{uuid.uuid4().hex[:6]}"
    )
    try:
        await busy_community(stack, community)

        async def agrees() -> None:
            assert headline(await overview(stats.client, community)) == await truth(
                stack, community
            )

        await eventually(agrees, timeout=60)
        started = await stats.client.post("/admin/rebuild", headers=ADMIN)
        assert started.status_code == 202 and started.json() == {"generation": 2}
        state = await status(stats)
        assert (state["active"], state["building"], state["partitions"]) == (2, None, [])
        await eventually(agrees, timeout=60)
        lag = (await stats.client.get("/stats/lag", headers=ADMIN)).json()
        assert lag["generation"] == 2 and lag["building"] is None
    finally:
        await stats.stop()


async def test_the_others_take_over_the_share_of_a_replica_that_stops(
    stack: Stack, community: str, three: list[RunningService]
) -> None:
    await busy_community(stack, community)
    sessionmaker = three[0].runtime.sessionmaker
    held = f"{three[0].settings.group_id}-g1-requests"

    async def old_generation_agrees() -> None:
        assert headline(await overview(three[0].client, community)) == await truth(stack, community)
        assert await rows(
            sessionmaker, "SELECT 1 FROM consumer_progress WHERE group_id = :g", g=held
        )

    await eventually(old_generation_agrees, timeout=60)
    await execute(
        sessionmaker,
        "UPDATE consumer_progress SET next_offset = next_offset + :held WHERE group_id = :g",
        held=HELD,
        g=held,
    )
    assert (await three[0].client.post("/admin/rebuild", headers=ADMIN)).status_code == 202

    async def all_three_build() -> None:
        for replica in three:
            assert (await status(replica))["replica"]["building"]

    await eventually(all_three_build, timeout=60, interval=0.3)
    gone = three.pop()
    with contextlib.suppress(TimeoutError):
        await gone.stop()

    every = {
        (consumer, f"qise.{consumer}.events", partition)
        for consumer in ("registry", "activities", "requests")
        for partition in range(3)
    }

    async def two_build_everything() -> None:
        shares = [await status(replica) for replica in three]
        built = {tuple(p) for share in shares for p in share["replica"]["building"]}
        assert built == every and all(s["building"] == 2 for s in shares)

    await eventually(two_build_everything, timeout=60, interval=0.3)
    await execute(
        sessionmaker,
        "UPDATE consumer_progress SET next_offset = next_offset - :held WHERE group_id = :g",
        held=HELD,
        g=held,
    )

    async def switched() -> None:
        expected = await truth(stack, community)
        for replica in three:
            assert ((await status(replica))["active"], (await status(replica))["building"]) == (
                2,
                None,
            )
            assert headline(await overview(replica.client, community)) == expected

    await eventually(switched, timeout=60, interval=0.3)
