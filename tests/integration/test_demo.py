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
    unit_members=4,  # 3 of the hospital (its orange team), 1 of a school
    escalated=2,  # one served by the hospital's team, one waiting
    paid_orders=2,
    care_recipients=4,
    bookings=3,
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
    # demoa-xinjian has no orange team; the hospital of demoa-longquan formed one
    assert result.teams == 2 * 7 and result.volunteers == 40
    assert result.activities == 20 and result.verified + result.voided <= 20
    assert result.orders == 10 and result.rated <= result.completed
    assert result.completed + result.cancelled <= 10
    assert 1 <= result.life_events <= 5
    assert list(steps) == list(STEPS)
    assert steps["volunteers"] == 40 and steps["activities"] == 20 and steps["orders"] == 10
    assert steps["bookings"] == 2 + 3 and steps["care"] == 4
    assert result.branch == "demoa-chengnan" and result.agreements == 4
    assert result.unit_members == 4 and result.resources == 2 and result.bookings == 3
    assert result.escalated == 2 and result.escalations_waiting == 1
    assert result.income > 0 and result.care_recipients == 4 and result.visits >= 3

    registry = stack["registry"]
    seven = {"red", "orange", "gold", "green", "cyan", "blue", "purple"}
    for community, count, colors in zip(
        result.communities, (8, 6), (seven, seven - {"orange"}), strict=True
    ):
        teams = await get_all(registry, "/teams", community_id=community)
        assert len(teams) == count and {t["category"] for t in teams} == colors
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
    # routed, or assigned by hand, but the escalated order the branch has not given a team
    assert sum(not o["team_id"] for o in orders) == result.escalations_waiting
    assert sum(o["status"] == "completed" for o in orders) == result.completed
    assert sum(o["rating"] is not None for o in orders) == result.rated
    ratings = [o["rating"] for o in orders if o["rating"] is not None]

    async def branch_figures() -> dict:
        response = await stack["stats"].get(
            "/stats/overview", params={"scope": "branch", "id": result.branch}, headers=ADMIN
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
        assert figures["income"] == pytest.approx(result.income) and result.income > 0, figures
        assert figures["paid_orders"] >= 1, figures
        work = figures["branch_work"]
        assert work["given"] >= 1 and work["received"] >= 1, figures
        assert work["escalated"] == result.escalated, figures
        assert work["escalations_waiting"] == result.escalations_waiting, figures
        assert [u["given"] for u in work["units"] if u["name"] == "隰县人民医院"] == [1], figures
        register = figures["care_register"]
        assert register["under_care"] == result.care_recipients, figures
        assert register["visits"] == result.visits and register["overdue"] >= 1, figures
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
    for name in ("volunteers", "teams", "activities", "people_served", "income"):
        assert sum(c[name] for c in per_community) == pytest.approx(figures[name])
    # the hospital's team (of longquan) served xinjian's escalated order
    assert [c["branch_work"]["given"] for c in per_community] == [1, 0]
    assert [c["branch_work"]["received"] for c in per_community] == [0, 1]

    # the public page of the branch shows the joint work, and no one's name or phone
    response = await stack["stats"].get(f"/public/branches/{result.branch}?format=json")
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["branch_work"]["given"] >= 1 and page["care_register"]["under_care"] == 4
    secretary = await stack["registry"].get(f"/branches/{result.branch}", headers=ADMIN)
    assert secretary.json()["secretary_name"] not in response.text

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
    assert again.branch == "demob-chengnan"
    assert replace(again, communities=result.communities, branch=result.branch) == result
    first = await get_all(stack["registry"], "/volunteers", community_id=result.communities[0])
    second = await get_all(stack["registry"], "/volunteers", community_id=again.communities[0])
    assert sorted((v["name"], v["phone"]) for v in first) == sorted(
        (v["name"], v["phone"]) for v in second
    )


async def test_the_branch_and_what_its_units_bring(
    stack: Stack, loaded: tuple[DemoResult, dict[str, int]]
) -> None:
    result, _ = loaded
    registry = stack["registry"]
    response = await registry.get(f"/branches/{result.branch}", headers=ADMIN)
    assert response.status_code == 200, response.text
    branch = response.json()
    assert branch["name"] == PLAN.branch and branch["secretary_name"]
    assert branch["secretary_phone"].startswith("139")
    assert sorted(branch["community_ids"]) == result.communities
    units = {u["name"]: u for u in branch["resident_units"]}
    assert len(units) == result.agreements == 4
    for unit in units.values():
        detail = (await registry.get(f"/resident-units/{unit['id']}", headers=ADMIN)).json()
        [agreement] = detail["agreements"]
        assert agreement["active"] and agreement["brings"] and agreement["description"]
        assert agreement["ends_on"] > agreement["starts_on"]
    hospital = units["隰县人民医院"]["id"]
    staff = await get_all(registry, "/volunteers", unit_id=hospital)
    assert len(staff) == 3 and all(v["is_party_member"] for v in staff)
    [team] = await get_all(registry, "/teams", unit_id=hospital)
    assert team["category"] == "orange" and team["community_id"] == "demoa-longquan"
    assert team["member_count"] == 3
    others = [
        v
        for c in result.communities
        for v in await get_all(registry, "/volunteers", community_id=c)
    ]
    assert sum(v["unit_id"] is not None for v in others) == result.unit_members

    # escalated from the community without an orange team; the hospital's team served one
    escalated = await get_all(
        stack["requests"], "/requests", community_id="demoa-xinjian", escalated="true"
    )
    assert len(escalated) == result.escalated
    served = [o for o in escalated if o["team_id"]]
    assert [(o["status"], o["serving_unit_id"]) for o in served] == [("completed", hospital)]
    assert [o["status"] for o in escalated if not o["team_id"]] == ["submitted"]

    # the shared hall and vehicle, booked by the other community; two for its activities
    resources = await get_all(stack["activities"], "/resources", community_id="demoa-longquan")
    assert sorted(r["kind"] for r in resources) == ["hall", "vehicle"]
    assert all(r["shared_with_branch"] and r["owner_unit_id"] for r in resources)
    bookings = [
        b
        for r in resources
        for b in await get_all(stack["activities"], f"/resources/{r['id']}/bookings")
    ]
    assert len(bookings) == result.bookings
    assert {b["community_id"] for b in bookings} == {"demoa-xinjian"}
    linked = [b["activity_id"] for b in bookings if b["activity_id"]]
    assert len(linked) == 2
    for activity_id in linked:
        activity = (
            await stack["activities"].get(f"/activities/{activity_id}", headers=ADMIN)
        ).json()
        assert [b["booking_id"] for b in activity["bookings"]]

    # the people under care, with their consent and visit plans
    cared = [
        r
        for c in result.communities
        for r in await get_all(stack["requests"], "/care-recipients", community_id=c)
    ]
    assert len(cared) == result.care_recipients
    assert len({r["kind"] for r in cared}) == 4
    assert {r["plan_days"] for r in cared} <= {7, 14}
    assert sum(r["visits"] for r in cared) == result.visits
    assert any(r["overdue"] for r in cared) and not all(r["overdue"] for r in cared)
