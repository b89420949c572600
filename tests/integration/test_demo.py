"""The demo data set, loaded through the public APIs into the running system: what it
reports creating is what the owning services hold and what the stats service shows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from qise.demo import STEPS, DemoAlreadyLoaded, DemoPlan, DemoResult, load_demo
from tests.conftest import ADMIN, Stack, eventually

PLAN = DemoPlan(
    communities=2,
    volunteers=40,
    activities=20,
    orders=10,
    life_events=5,
    seed=7,
    prefix="demoa",
    branch="演示测试大支部",
)


async def load(stack: Stack, plan: DemoPlan, steps: dict[str, int] | None = None) -> DemoResult:
    def progress(step: str, done: int) -> None:
        if steps is not None:
            steps[step] = done

    return await load_demo(lambda name: stack[name], plan, progress, headers=ADMIN)


@pytest.fixture(scope="module")
async def loaded(stack: Stack) -> tuple[DemoResult, dict[str, int]]:
    steps: dict[str, int] = {}
    return await load(stack, PLAN, steps), steps


async def get_all(client: Any, path: str, **params: Any) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        query = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query, headers=ADMIN)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if not cursor:
            return items


async def test_the_demo_creates_what_the_plan_asks(
    stack: Stack, loaded: tuple[DemoResult, dict[str, int]]
) -> None:
    result, steps = loaded
    assert result.communities == ["demoa-longquan", "demoa-xinjian"]
    assert result.teams == 2 * 7 and result.volunteers == 40
    assert result.activities == 20 and result.verified + result.voided <= 20
    assert result.orders == 10 and result.rated <= result.completed
    assert result.completed + result.cancelled <= 10
    assert 1 <= result.life_events <= 5
    assert list(steps) == list(STEPS)
    assert steps["volunteers"] == 40 and steps["activities"] == 20 and steps["orders"] == 10

    registry = stack["registry"]
    for community in result.communities:
        teams = await get_all(registry, "/teams", community_id=community)
        assert len(teams) == 7 and {t["category"] for t in teams} == {
            "red", "orange", "gold", "green", "cyan", "blue", "purple"
        }  # fmt: skip
        assert all(t["name"].endswith("服务队") and t["leader_volunteer_id"] for t in teams)
        assert all(t["member_count"] >= 2 for t in teams)
        units = await get_all(registry, "/resident-units", community_id=community)
        assert {u["kind"] for u in units} >= {"school"}
    volunteers = [
        v
        for c in result.communities
        for v in await get_all(registry, "/volunteers", community_id=c)
    ]
    assert len({v["phone"] for v in volunteers}) == 40
    assert all(1 <= len(v["team_ids"]) <= 2 for v in volunteers)
    for v in volunteers:
        if v["party_joined_on"]:
            assert v["is_party_member"]
            assert int(v["party_joined_on"][:4]) >= v["birth_year"] + 18


async def test_the_stats_service_shows_the_same_figures(
    stack: Stack, loaded: tuple[DemoResult, dict[str, int]]
) -> None:
    result, _ = loaded
    activities = [
        a
        for c in result.communities
        for a in await get_all(stack["activities"], "/activities", community_id=c)
    ]
    counted = [a for a in activities if a["status"] != "voided"]
    assert len(activities) == result.activities
    assert sum(a["status"] == "verified" for a in activities) == result.verified
    assert len(counted) == result.activities - result.voided
    hours = sum(p["hours"] for a in counted for p in a["participants"])
    certified = sum(
        p["hours"] for a in counted if a["status"] == "verified" for p in a["participants"]
    )
    orders = [
        o
        for c in result.communities
        for o in await get_all(stack["requests"], "/requests", community_id=c)
    ]
    assert len(orders) == result.orders
    assert all(o["team_id"] for o in orders)  # routed, or assigned by hand
    assert sum(o["status"] == "completed" for o in orders) == result.completed
    assert sum(o["rating"] is not None for o in orders) == result.rated
    ratings = [o["rating"] for o in orders if o["rating"] is not None]

    async def branch_figures() -> dict:
        response = await stack["stats"].get(
            "/stats/overview", params={"scope": "branch", "id": PLAN.branch}, headers=ADMIN
        )
        assert response.status_code == 200, response.text
        figures = response.json()
        assert figures["volunteers"] == result.volunteers, figures
        assert figures["teams"] == result.teams, figures
        assert figures["activities"] == result.activities - result.voided, figures
        assert figures["people_served"] == sum(a["people_served"] for a in counted), figures
        assert figures["volunteer_hours"] == pytest.approx(hours), figures
        assert figures["certified_hours"] == pytest.approx(certified), figures
        requests = figures["requests"]
        assert requests["submitted"] == result.orders, figures
        assert requests["completed"] == result.completed, figures
        assert requests["open"] == result.orders - result.completed - result.cancelled, figures
        if ratings:
            assert requests["avg_rating"] == pytest.approx(sum(ratings) / len(ratings), abs=0.01)
        care = figures["care_tasks"]
        assert care["open"] + care["done"] >= result.life_events, figures
        return figures

    figures = await eventually(branch_figures, timeout=60)
    assert sorted(figures["communities"]) == result.communities
    party = [
        v
        for c in result.communities
        for v in await get_all(stack["registry"], "/volunteers", community_id=c)
        if v["is_party_member"]
    ]
    assert figures["party_member_volunteers"] == len(party)
    assert sum(c["activities"] for c in figures["by_category"]) == figures["activities"]

    # one community at a time adds up to the branch
    per_community = []
    for community in result.communities:
        response = await stack["stats"].get(
            "/stats/overview", params={"scope": "community", "id": community}, headers=ADMIN
        )
        per_community.append(response.json())
    for name in ("volunteers", "teams", "activities", "people_served"):
        assert sum(c[name] for c in per_community) == figures[name]

    # each life event became a care task in the requests service
    async def care_tasks() -> None:
        tasks = [
            t
            for c in result.communities
            for t in await get_all(stack["requests"], "/care-tasks", community_id=c)
            if t["reason"] != "political_birthday"
        ]
        assert len(tasks) == result.life_events

    await eventually(care_tasks, timeout=30)


async def test_loading_again_is_refused_and_writes_nothing(
    stack: Stack, loaded: tuple[DemoResult, dict[str, int]]
) -> None:
    result, _ = loaded
    before = await get_all(stack["registry"], "/volunteers", community_id=result.communities[0])
    with pytest.raises(DemoAlreadyLoaded, match="already loaded"):
        await load(stack, PLAN)
    after = await get_all(stack["registry"], "/volunteers", community_id=result.communities[0])
    assert len(after) == len(before)


async def test_the_same_seed_gives_the_same_data_set(
    stack: Stack, loaded: tuple[DemoResult, dict[str, int]]
) -> None:
    result, _ = loaded
    again = await load(stack, replace(PLAN, prefix="demob", branch="演示测试大支部二"))
    assert again.communities == ["demob-longquan", "demob-xinjian"]
    assert replace(again, communities=result.communities) == result
    first = await get_all(stack["registry"], "/volunteers", community_id=result.communities[0])
    second = await get_all(stack["registry"], "/volunteers", community_id=again.communities[0])
    assert sorted((v["name"], v["phone"]) for v in first) == sorted(
        (v["name"], v["phone"]) for v in second
    )
