"""Every stats figure against what the owning services hold, written through their
APIs: with voids, deactivations, duplicates, a restart mid-stream and a rebuild."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
import orjson
from aiokafka import AIOKafkaProducer
from sqlalchemy import delete, func, insert, select

from services.registry import events as registry_events
from services.stats.models import Category
from shared import progress
from shared.tables import processed_events
from tests.api import create_team, create_volunteer, join_team, published_events
from tests.conftest import ADMIN, Stack, auth, eventually
from tests.integration.test_activities import activity_body, log
from tests.integration.test_requests import order, submit, team_known


async def overview(client: httpx.AsyncClient, community: str, **params: str) -> dict[str, Any]:
    response = await client.get(
        "/stats/overview", params={"scope": "community", "id": community, **params}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return response.json()


async def timeseries(
    client: httpx.AsyncClient, community: str, metric: str, **params: str
) -> list[dict[str, Any]]:
    response = await client.get(
        "/stats/timeseries",
        params={"scope": "community", "id": community, "metric": metric, **params},
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    return response.json()


class Clients(Protocol):
    def __getitem__(self, name: str) -> httpx.AsyncClient: ...


async def every(client: httpx.AsyncClient, path: str, params: dict[str, Any]) -> list[Any]:
    """All items of a listing, page after page."""
    items: list[Any] = []
    cursor: str | None = None
    while True:
        page = (
            await client.get(
                path, params={**params, "limit": 500, "cursor": cursor or ""}, headers=ADMIN
            )
        ).json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def truth(stack: Clients, community: str) -> dict[str, Any]:
    """The figures as the owning services hold them, read through their APIs."""
    registry, activities, requests = stack["registry"], stack["activities"], stack["requests"]
    volunteers = await every(registry, "/volunteers", {"community_id": community, "active": True})
    teams = (
        await registry.get(
            "/teams", params={"community_id": community, "status": "active"}, headers=ADMIN
        )
    ).json()["items"]
    logged = await every(activities, "/activities", {"community_id": community})
    counted = [a for a in logged if a["status"] != "voided"]
    orders = await every(requests, "/requests", {"community_id": community})
    done = [o for o in orders if o["status"] == "completed"]
    rated = [o["rating"] for o in orders if o["rating"] is not None]
    tasks = (
        await requests.get("/care-tasks", params={"community_id": community}, headers=ADMIN)
    ).json()["items"]
    hours = [sum(p["hours"] for p in a["participants"]) for a in counted]
    return {
        "volunteers": len(volunteers),
        "party_member_volunteers": sum(v["is_party_member"] for v in volunteers),
        "teams": len(teams),
        "activities": len(counted),
        "people_served": sum(a["people_served"] for a in counted),
        "volunteer_hours": round(sum(hours), 2),
        "certified_hours": round(
            sum(h for a, h in zip(counted, hours, strict=True) if a["status"] == "verified"), 2
        ),
        "requests": {
            "submitted": len(orders),
            "open": sum(o["status"] in ("submitted", "assigned", "accepted") for o in orders),
            "completed": len(done),
            "cancelled": sum(o["status"] == "cancelled" for o in orders),
            "on_time_rate": round(
                sum(o["completed_at"] <= o["due_at"] for o in done) / len(done), 4
            )
            if done
            else None,
            "avg_rating": round(sum(rated) / len(rated), 2) if rated else None,
        },
        "care_tasks": {
            "open": sum(t["status"] == "open" for t in tasks),
            "done": sum(t["status"] == "done" for t in tasks),
        },
    }


HEADLINE = (
    "volunteers",
    "party_member_volunteers",
    "teams",
    "activities",
    "people_served",
    "volunteer_hours",
    "certified_hours",
)


def headline(figures: dict[str, Any]) -> dict[str, Any]:
    requests = {
        k: figures["requests"][k]
        for k in ("submitted", "open", "completed", "cancelled", "on_time_rate", "avg_rating")
    }
    care = {k: figures["care_tasks"][k] for k in ("open", "done")}
    return {**{k: figures[k] for k in HEADLINE}, "requests": requests, "care_tasks": care}


async def stats_agree(
    stack: Stack, community: str, client: httpx.AsyncClient | None = None
) -> dict[str, Any]:
    async def agree() -> dict[str, Any]:
        # The services' own truth is read again each time: their consumers (care
        # tasks from life events) are on their way too.
        expected = await truth(stack, community)
        figures = await overview(client or stack["stats"], community)
        assert headline(figures) == expected
        return figures

    return await eventually(agree)


async def busy_community(stack: Stack, community: str) -> dict[str, Any]:
    """Volunteers, two teams, activities (verified, voided, corrected), orders, a care task."""
    registry, activities, requests = stack["registry"], stack["activities"], stack["requests"]
    party = await create_volunteer(
        registry, community, name="党员甲", is_party_member=True, party_joined_on="1990-07-01"
    )
    wang = await create_volunteer(registry, community, name="王芳")
    li = await create_volunteer(registry, community, name="李强")
    leaving = await create_volunteer(registry, community, name="将离开")
    orange = await team_known(stack, community, "orange", leader_volunteer_id=party["id"])
    green = await create_team(registry, community, "green", name="绿色环保队")
    for member in (wang, li):
        await registry.post(
            f"/teams/{orange['id']}/members", json={"volunteer_id": member["id"]}, headers=ADMIN
        )
    await registry.post(
        f"/teams/{green['id']}/members", json={"volunteer_id": wang["id"]}, headers=ADMIN
    )

    first = (await log(activities, activity_body(community, orange, [wang, li]))).json()
    await activities.post(f"/activities/{first['id']}/verify", headers=ADMIN)
    doubled = (
        await log(
            activities, activity_body(community, orange, [wang], people_served=40, beneficiaries={})
        )
    ).json()
    await activities.post(
        f"/activities/{doubled['id']}/void", json={"reason": "重复"}, headers=ADMIN
    )
    green_one = (
        await log(
            activities,
            activity_body(
                community,
                green,
                [wang],
                kind="environment_campaign",
                people_served=300,
                beneficiaries={},
            ),
        )
    ).json()
    corrected = activity_body(
        community,
        green,
        [wang],
        kind="environment_campaign",
        people_served=350,
        beneficiaries={},
        reason="人数更正",
    )
    assert (
        await activities.post(
            f"/activities/{green_one['id']}/correct", json=corrected, headers=ADMIN
        )
    ).status_code == 201

    done = await submit(requests, order(community))
    await requests.post(f"/requests/{done['id']}/accept", headers=ADMIN)
    await requests.post(f"/requests/{done['id']}/complete", json={}, headers=ADMIN)
    await requests.post(f"/requests/{done['id']}/rate", json={"score": 4}, headers=ADMIN)
    await submit(requests, order(community))
    dropped = await submit(requests, order(community, service_kind="environment"))
    await requests.post(f"/requests/{dropped['id']}/cancel", json={"reason": "撤回"}, headers=ADMIN)
    await registry.post(
        f"/volunteers/{party['id']}/life-events",
        json={"kind": "ill", "occurred_on": "2026-11-01"},
        headers=ADMIN,
    )
    await registry.post(
        f"/volunteers/{leaving['id']}/deactivate", json={"reason": "搬走"}, headers=ADMIN
    )

    async def care_task_made() -> None:
        # Made by the requests service from the life event: only then is the truth whole.
        listed = await requests.get(
            "/care-tasks", params={"community_id": community}, headers=ADMIN
        )
        assert len(listed.json()["items"]) == 1, listed.text

    await eventually(care_task_made)
    return {"wang": wang, "li": li, "orange": orange, "green": green}


async def test_every_figure_equals_the_owning_services(stack: Stack, community: str) -> None:
    people = await busy_community(stack, community)
    figures = await stats_agree(stack, community)
    assert figures["volunteers"] == 3 and figures["activities"] == 2
    assert figures["requests"]["avg_rating"] == 4.0 and figures["care_tasks"]["open"] == 1
    by_category = {c["category"]: c for c in figures["by_category"]}
    assert by_category["orange"]["activities"] == 1 and by_category["orange"]["volunteers"] == 3
    assert by_category["green"]["people_served"] == 350 and by_category["green"]["teams"] == 1
    assert by_category["red"]["activities"] == 0
    assert [c["category"] for c in figures["by_category"]][:7] == [
        "red",
        "orange",
        "gold",
        "green",
        "cyan",
        "blue",
        "purple",
    ]

    stats = stack["stats"]
    params = {"scope": "community", "id": community}
    board = (await stats.get("/stats/leaderboard", params=params, headers=ADMIN)).json()
    assert board[0]["volunteer_id"] == people["wang"]["id"] and board[0]["rank"] == 1
    hours = (
        await stack["activities"].get(f"/volunteer-hours/{people['wang']['id']}", headers=ADMIN)
    ).json()
    assert board[0]["hours"] == hours["total_hours"]
    assert board[0]["certified_hours"] == hours["certified_hours"]

    series = await timeseries(stats, community, "people_served")
    assert len(series) == 30 and sum(p["value"] for p in series) == figures["people_served"]
    monthly = await timeseries(stats, community, "requests_submitted", interval="month")
    assert sum(p["value"] for p in monthly) == 3

    open_orders = (await stats.get("/stats/open-requests", params=params, headers=ADMIN)).json()
    assert len(open_orders) == 1 and open_orders[0]["status"] == "assigned"

    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    long_ago = await overview(stats, community, **{"from": "2020-01-01", "to": "2020-12-31"})
    assert long_ago["activities"] == 0 and long_ago["requests"]["submitted"] == 0
    recent = await overview(stats, community, **{"from": str(yesterday - timedelta(days=2))})
    assert recent["activities"] == figures["activities"]


async def test_report_tells_the_figures_in_chinese(stack: Stack, community: str) -> None:
    await busy_community(stack, community)
    figures = await stats_agree(stack, community)
    report = await stack["stats"].get(
        "/reports/summary", params={"scope": "community", "id": community}, headers=ADMIN
    )
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/markdown")
    text = report.text
    assert f"已吸收志愿者{figures['volunteers']}人" in text
    assert f"注册队伍{figures['teams']}支" in text
    assert f"开展活动{figures['activities']}次" in text
    assert f"服务群众{figures['people_served']}人次" in text
    html = await stack["stats"].get(
        "/reports/summary",
        params={"scope": "community", "id": community, "format": "html"},
        headers=ADMIN,
    )
    assert html.headers["content-type"].startswith("text/html") and "橙色关爱" in html.text


async def test_scope_and_tenancy(stack: Stack, community: str) -> None:
    stats = stack["stats"]
    outsider = auth("community_admin", ["elsewhere"])
    assert (
        await stats.get(
            "/stats/overview", params={"scope": "community", "id": community}, headers=outsider
        )
    ).status_code == 404
    assert (
        await stats.get(
            "/stats/overview", params={"scope": "branch", "id": "测试大支部"}, headers=outsider
        )
    ).status_code == 404
    county = (await stats.get("/stats/overview", headers=outsider)).json()
    assert county["volunteers"] == 0 and county["communities"] == ["elsewhere"]
    mine = auth("community_admin", [community])

    async def only_mine() -> None:
        areas = (await stats.get("/stats/areas", headers=mine)).json()
        assert [c["id"] for c in areas["communities"]] == [community] and areas["county"] is False

    await eventually(only_mine)
    assert (
        await stats.get("/stats/overview", params={"scope": "branch"}, headers=ADMIN)
    ).status_code == 422


async def test_a_restart_mid_stream_loses_nothing(stack: Stack, community: str) -> None:
    database = await stack.database("stats_midstream")
    stats = await stack.start("stats", database, consumer_group="qise-stats-midstream")
    try:
        people = await busy_community(stack, community)
        await stats_agree(stack, community, stats.client)
    finally:
        await stats.stop()
    activities = stack["activities"]
    logged = (
        await log(
            activities,
            activity_body(
                community, people["orange"], [people["li"]], people_served=9, beneficiaries={}
            ),
        )
    ).json()
    await activities.post(f"/activities/{logged['id']}/verify", headers=ADMIN)
    await stack["registry"].post(
        f"/volunteers/{people['li']['id']}/deactivate", json={"reason": "x"}, headers=ADMIN
    )
    stats = await stack.start("stats", database, consumer_group="qise-stats-midstream")
    try:
        await stats_agree(stack, community, stats.client)
    finally:
        await stats.stop()


async def test_a_rebuild_gives_identical_figures(stack: Stack, community: str) -> None:
    await busy_community(stack, community)
    before = await stats_agree(stack, community)
    county_before = (await stack["stats"].get("/stats/overview", headers=ADMIN)).json()
    refused = await stack["stats"].post(
        "/admin/rebuild", headers=auth("community_admin", [community])
    )
    assert refused.status_code == 403
    rebuilt = await stack["stats"].post("/admin/rebuild", headers=ADMIN)
    assert rebuilt.status_code == 202 and rebuilt.json()["generation"] >= 2
    await switched_to(stack, rebuilt.json()["generation"])

    async def same() -> None:
        after = await overview(stack["stats"], community)
        assert {k: v for k, v in after.items() if k != "as_of"} == {
            k: v for k, v in before.items() if k != "as_of"
        }
        county = (await stack["stats"].get("/stats/overview", headers=ADMIN)).json()
        for key in (
            "volunteers",
            "teams",
            "activities",
            "people_served",
            "volunteer_hours",
            "requests",
        ):
            assert county[key] == county_before[key], key

    await eventually(same, timeout=60)

    # Another consumer's inbox rows survive a rebuild (the inbox is not truncated then).
    foreign = {
        "consumer": "someone-else",
        "event_id": uuid.uuid4(),
        "event_time": datetime.now(UTC),
        "processed_at": datetime.now(UTC),
    }
    sessionmaker = stack.services["stats"].runtime.sessionmaker
    async with sessionmaker() as session, session.begin():
        await session.execute(insert(processed_events), [foreign])
    try:
        again = await stack["stats"].post("/admin/rebuild", headers=ADMIN)
        assert again.status_code == 202
        await switched_to(stack, again.json()["generation"])
        await eventually(same, timeout=60)
        async with sessionmaker() as session:
            kept = await session.scalar(
                select(func.count()).where(processed_events.c.consumer == "someone-else")
            )
        assert kept == 1
    finally:
        async with sessionmaker() as session, session.begin():
            await session.execute(
                delete(processed_events).where(processed_events.c.consumer == "someone-else")
            )


async def switched_to(stack: Stack, generation: int) -> None:
    """Until the rebuilt generation is the one the API answers from."""

    async def switched() -> None:
        state = (await stack["stats"].get("/admin/rebuild", headers=ADMIN)).json()
        assert (state["active"], state["building"]) == (generation, None), state

    await eventually(switched, timeout=120)


async def by_category(stack: Stack, community: str) -> dict[str, tuple[int, int]]:
    """(teams, distinct active members) of each color, as the overview shows them."""
    figures = await overview(stack["stats"], community)
    return {c["category"]: (c["teams"], c["volunteers"]) for c in figures["by_category"]}


async def test_members_per_category_follow_leaves_and_deactivations(
    stack: Stack, community: str
) -> None:
    registry = stack["registry"]
    a = await create_volunteer(registry, community, name="甲")
    b = await create_volunteer(registry, community, name="乙")
    c = await create_volunteer(registry, community, name="丙")
    first = await create_team(registry, community, "orange", name="橙一队")
    second = await create_team(registry, community, "orange", name="橙二队")
    green = await create_team(registry, community, "green", name="绿队")
    for team, member in ((first, a), (second, a), (first, b), (green, c)):
        await join_team(registry, team, member)

    async def members(orange: tuple[int, int], greens: tuple[int, int]) -> None:
        async def counted() -> None:
            figures = await by_category(stack, community)
            assert (figures["orange"], figures["green"]) == (orange, greens)

        await eventually(counted)
        await stats_agree(stack, community)

    await members((2, 2), (1, 1))  # a is in both orange teams: counted once
    left = await registry.delete(f"/teams/{first['id']}/members/{b['id']}", headers=ADMIN)
    assert left.status_code == 204, left.text
    await members((2, 1), (1, 1))
    await registry.post(f"/volunteers/{a['id']}/deactivate", json={"reason": "x"}, headers=ADMIN)
    await members((2, 0), (1, 1))
    assert (await registry.post(f"/teams/{green['id']}/deactivate", headers=ADMIN)).is_success
    await members((2, 0), (0, 0))


async def resend_as_republished(stack: Stack, payloads: list[dict[str, Any]]) -> list[str]:
    """Old events sent again as a replay from the outbox into emptied projections would
    send them: each with a new id, so only its version can tell it is old."""
    ids = []
    producer = AIOKafkaProducer(bootstrap_servers=stack.broker.bootstrap)
    await producer.start()
    try:
        for payload in payloads:
            again = {**payload, "id": str(uuid.uuid4())}
            ids.append(again["id"])
            await producer.send_and_wait(
                registry_events.TOPIC, orjson.dumps(again), key=payload["community"].encode()
            )
    finally:
        await producer.stop()
    return ids


async def test_old_joins_and_names_replayed_after_newer_ones_change_nothing(
    stack: Stack, community: str
) -> None:
    """Every registry event carries a version: a join replayed after the leave that
    followed it, or a category's old name after its rename, is older and stays unapplied."""
    registry = stack["registry"]
    code = f"k{uuid.uuid4().hex[:8]}"
    defined = await registry.post("/categories", json={"code": code, "name": "旧名"}, headers=ADMIN)
    assert defined.status_code == 201, defined.text
    renamed = await registry.patch(f"/categories/{code}", json={"name": "新名"}, headers=ADMIN)
    assert renamed.status_code == 200, renamed.text
    person = await create_volunteer(registry, community, name="戊")
    team = await create_team(registry, community, "orange", name="橙队")
    members = f"/teams/{team['id']}/members"
    assert (
        await registry.post(members, json={"volunteer_id": person["id"]}, headers=ADMIN)
    ).status_code == 201
    assert (await registry.delete(f"{members}/{person['id']}", headers=ADMIN)).status_code == 204

    published = await published_events(stack, "registry", community)
    about_team = [e for e in published if e["subject"] == team["id"]]
    assert [(e["type"], e["data"]["version"]) for e in about_team] == [
        (registry_events.TeamRegistered.event_type, 1),
        (registry_events.TeamMemberJoined.event_type, 2),
        (registry_events.TeamMemberLeft.event_type, 3),
    ]
    names = [e for e in await published_events(stack, "registry", "*") if e["subject"] == code]
    assert [(e["data"]["name"], e["data"]["version"]) for e in names] == [("旧名", 1), ("新名", 2)]

    sessionmaker = stack.services["stats"].runtime.sessionmaker

    async def registry_applied() -> int:
        async with sessionmaker() as session:
            return (await progress.applied_by_consumer(session, ["registry"])).get("registry", 0)

    async def stats_applied(at_least: int = 0) -> None:
        # The registry consumer dedupes by version: a replayed event reaches the handler
        # (and counts as read), which keeps the newer state it holds.
        assert await registry_applied() >= at_least
        async with sessionmaker() as session:
            category = await session.get(Category, code)
            assert category is not None and category.name == "新名"
        assert (await by_category(stack, community)).get("orange") == (1, 0)

    await eventually(stats_applied)
    joined = [e for e in about_team if e["type"] == registry_events.TeamMemberJoined.event_type]
    first_name = [e for e in names if e["data"]["version"] == 1]
    before = await registry_applied()
    replayed = await resend_as_republished(stack, joined + first_name)
    await eventually(partial(stats_applied, before + len(replayed)))


async def test_periods_across_partial_months(stack: Stack, community: str) -> None:
    """Whole months come from the monthly rollup, the edges from the days: every split
    of a period gives the same figures as adding up the activities in it."""
    registry, activities, stats = stack["registry"], stack["activities"], stack["stats"]
    volunteer = await create_volunteer(registry, community, name="戊")
    team = await create_team(registry, community, "orange", name="橙队")
    days = ["2025-01-31", "2025-02-01", "2025-02-15", "2025-03-31", "2025-04-01"]
    served = dict(zip(days, (1, 10, 100, 1000, 10000), strict=True))
    for day, people in served.items():
        logged = await log(
            activities,
            activity_body(
                community,
                team,
                [volunteer],
                started_at=f"{day}T09:00:00+08:00",
                ended_at=f"{day}T11:00:00+08:00",
                people_served=people,
                beneficiaries={},
            ),
        )
        assert logged.status_code == 201, logged.text
    await eventually(lambda: _people_served(stats, community, {}, sum(served.values())))
    for start, end in (
        ("2025-01-31", "2025-04-01"),
        ("2025-02-01", "2025-03-31"),
        ("2025-02-02", "2025-03-31"),
        ("2025-02-01", "2025-03-30"),
        ("2025-02-10", "2025-02-20"),
        ("2025-01-01", "2025-01-31"),
        ("2025-03-31", "2025-04-01"),
        ("2024-12-01", "2025-02-28"),
    ):
        expected = sum(p for day, p in served.items() if start <= day <= end)
        await _people_served(stats, community, {"from": start, "to": end}, expected)
    await _people_served(stats, community, {"to": "2025-02-14"}, 11)
    await _people_served(stats, community, {"from": "2025-02-02"}, 11100)
    series = await timeseries(
        stats,
        community,
        "people_served",
        interval="month",
        **{"from": "2025-01-15", "to": "2025-04-10"},
    )
    assert series == [
        {"period": "2025-01", "value": 1.0},
        {"period": "2025-02", "value": 110.0},
        {"period": "2025-03", "value": 1000.0},
        {"period": "2025-04", "value": 10000.0},
    ]


async def _people_served(
    stats: httpx.AsyncClient, community: str, params: dict[str, str], expected: int
) -> None:
    figures = await overview(stats, community, **params)
    assert figures["people_served"] == expected, params
    assert figures["activities"] == sum(c["activities"] for c in figures["by_category"]), params


def _metric(metrics: str, name: str, labels: str) -> float:
    """A series' value; `labels` in any order (the exposition sorts them)."""
    wanted = set(labels.split(","))
    for line in metrics.splitlines():
        if line.startswith(f"{name}{{"):
            series, value = line.rsplit(" ", 1)
            if wanted <= set(series[len(name) + 1 : -1].split(",")):
                return float(value)
    return 0.0


async def test_events_stats_does_not_count_are_ignored_not_dead_lettered(stack: Stack) -> None:
    consumed, dead = "qise_events_consumed_total", "qise_events_dead_lettered_total"
    topic = 'topic="qise.activities.events"'
    before = (await stack["stats"].get("/metrics")).text
    code = f"k{uuid.uuid4().hex[:8]}"
    created = await stack["activities"].post(
        "/activity-kinds", json={"code": code, "name": "新活动类型"}, headers=ADMIN
    )
    assert created.status_code == 201

    async def ignored() -> str:
        metrics = (await stack["stats"].get("/metrics")).text
        labels = f'service="stats",{topic},outcome="ignored"'
        assert _metric(metrics, consumed, labels) > _metric(before, consumed, labels)
        return metrics

    after = await eventually(ignored)
    stats_dead = f'service="stats",{topic}'
    assert _metric(after, dead, stats_dead) == _metric(before, dead, stats_dead)


async def test_a_period_counts_requests_as_they_are_now(stack: Stack, community: str) -> None:
    """A period's requests come from the per-day and per-month rollups: whatever way a
    period splits into whole months and edge days, they show each request in its newest
    status, and they follow it when it moves on."""
    requests, stats = stack["requests"], stack["stats"]
    await team_known(stack, community, "orange")
    done = await submit(requests, order(community))
    waiting = await submit(requests, order(community))
    dropped = await submit(requests, order(community))
    await requests.post(f"/requests/{done['id']}/accept", headers=ADMIN)
    await requests.post(f"/requests/{done['id']}/complete", json={}, headers=ADMIN)
    await requests.post(f"/requests/{done['id']}/rate", json={"score": 5}, headers=ADMIN)
    await requests.post(f"/requests/{dropped['id']}/cancel", json={"reason": "撤回"}, headers=ADMIN)
    zone = ZoneInfo(stack.services["stats"].runtime.settings.timezone)
    days = sorted(
        datetime.fromisoformat(r["submitted_at"]).astimezone(zone).date()
        for r in (done, waiting, dropped)
    )
    first, last = days[0], days[-1]
    month_start = first.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    periods = [
        {"from": str(first), "to": str(last)},  # days only
        {"from": str(month_start), "to": str(month_end)},  # one whole month
        {"from": str(first - timedelta(days=40)), "to": str(last + timedelta(days=40))},
        {"to": str(last)},
        {"from": str(first)},
    ]
    empty = [{"to": str(first - timedelta(days=1))}, {"from": str(last + timedelta(days=1))}]

    async def agree(expected: dict[str, Any]) -> None:
        all_time = await overview(stats, community)
        assert headline(all_time)["requests"] == (await truth(stack, community))["requests"]
        assert {k: all_time["requests"][k] for k in expected} == expected
        for params in periods:
            figures = await overview(stats, community, **params)
            assert figures["requests"] == all_time["requests"], params
            orange = next(c for c in figures["by_category"] if c["category"] == "orange")
            assert orange["requests"] == 3, params
        for params in empty:
            figures = await overview(stats, community, **params)
            assert figures["requests"]["submitted"] == 0, params
        for interval in ("day", "month"):
            series = await timeseries(
                stats,
                community,
                "requests_submitted",
                interval=interval,
                **{"from": str(first - timedelta(days=40)), "to": str(last + timedelta(days=40))},
            )
            assert sum(p["value"] for p in series) == 3, interval

    await eventually(
        lambda: agree({"submitted": 3, "open": 1, "completed": 1, "cancelled": 1, "avg_rating": 5})
    )
    # The waiting one moves on: out of open, into completed, in every period.
    await requests.post(f"/requests/{waiting['id']}/accept", headers=ADMIN)
    await requests.post(f"/requests/{waiting['id']}/complete", json={}, headers=ADMIN)
    await requests.post(f"/requests/{waiting['id']}/rate", json={"score": 3}, headers=ADMIN)
    await eventually(
        lambda: agree({"submitted": 3, "open": 0, "completed": 2, "cancelled": 1, "avg_rating": 4})
    )
