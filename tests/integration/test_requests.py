"""The requests service through its API and its consumers: the order lifecycle,
routing, SLA, care tasks, county inbound events, tenant isolation, and the
scheduler run by two replicas at once."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.requests import domain, lifecycle
from services.requests import events as requests_events
from services.requests.models import CareTask, Community, ServiceRequest, Team, Volunteer
from services.requests.scheduler import run_once
from services.requests.schemas import RequestIn
from services.requests.settings import RequestsSettings
from shared.auth import Principal
from shared.db import create_engine, create_sessionmaker, utcnow
from shared.events import new_event
from shared.service import Runtime
from shared.tables import outbox
from shared.uow import unit_of_work
from tests.api import create, create_team, create_volunteer, event_types, published_events, send_raw
from tests.conftest import ADMIN, Stack, auth, eventually
from tests.dates import county_today
from tests.integration.test_event_pipeline import _dead_letters


def order(community: str, **fields: Any) -> dict[str, Any]:
    return {
        "community_id": community,
        "service_kind": "elderly_care",
        "description": "独居老人需要上门理发",
        "resident": {"name": "赵大爷", "phone": "13512345678", "address": "幸福小区3号楼"},
        "channel": "walk_in",
        "mode": "door_to_door",
        "paid": False,
        "urgency": "normal",
        **fields,
    }


async def submit(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] = ADMIN
) -> dict[str, Any]:
    return await create(client, "/requests", body, headers)


async def team_known(
    stack: Stack, community: str, category: str = "orange", **fields: Any
) -> dict[str, Any]:
    """A team registered in the registry, once the requests service has heard of it."""
    team = await create_team(
        stack["registry"], community, category, name=f"{category}-{uuid.uuid4().hex[:6]}", **fields
    )

    async def known() -> None:
        async with stack.services["requests"].runtime.sessionmaker() as session:
            from services.requests.models import Team

            assert await session.get(Team, uuid.UUID(team["id"])) is not None

    await eventually(known)
    return team


async def community_known(stack: Stack, community: str) -> None:
    async def known() -> None:
        async with stack.services["requests"].runtime.sessionmaker() as session:
            from services.requests.models import Community

            assert await session.get(Community, community) is not None

    await eventually(known)


async def test_an_order_is_routed_done_and_rated(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    team = await team_known(stack, community)
    created = await submit(requests, order(community, urgency="urgent"))
    assert created["status"] == "assigned" and created["team_id"] == team["id"]
    assert created["category"] == "orange"
    due = (utcnow() + timedelta(hours=4)).isoformat()
    assert created["due_at"][:13] == due[:13]
    rid = created["id"]
    assert (await requests.post(f"/requests/{rid}/accept", headers=ADMIN)).json()[
        "status"
    ] == "accepted"
    done = await requests.post(f"/requests/{rid}/complete", json={"note": "已理发"}, headers=ADMIN)
    assert done.json()["status"] == "completed" and done.json()["completed_at"]
    rated = await requests.post(
        f"/requests/{rid}/rate", json={"score": 5, "comment": "很满意"}, headers=ADMIN
    )
    assert rated.json()["rating"] == 5
    again = await requests.post(f"/requests/{rid}/rate", json={"score": 1}, headers=ADMIN)
    assert again.status_code == 409

    history = (await requests.get(f"/requests/{rid}", headers=ADMIN)).json()["history"]
    assert [(h["action"], h["to_status"]) for h in history] == [
        ("submit", "submitted"),
        ("assign", "assigned"),
        ("accept", "accepted"),
        ("complete", "completed"),
        ("rate", "completed"),
    ]
    assert all(h["actor"] == "tester" and h["at"] for h in history[2:])
    assert [t for t in await event_types(stack, "requests", community)] == [
        "qise.request.submitted.v1",
        "qise.request.assigned.v1",
        "qise.request.accepted.v1",
        "qise.request.completed.v1",
        "qise.request.rated.v1",
    ]
    events = await published_events(stack, "requests", community)
    assert "13512345678" not in str(events) and "赵大爷" not in str(events)


async def test_illegal_moves_are_409_with_the_current_status(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    await team_known(stack, community)
    rid = (await submit(requests, order(community)))["id"]
    premature = await requests.post(f"/requests/{rid}/complete", json={}, headers=ADMIN)
    assert premature.status_code == 409
    assert premature.headers["content-type"] == "application/problem+json"
    assert premature.json()["current_status"] == "assigned"
    rate = await requests.post(f"/requests/{rid}/rate", json={"score": 4}, headers=ADMIN)
    assert rate.status_code == 409
    cancelled = await requests.post(
        f"/requests/{rid}/cancel", json={"reason": "居民已自行解决"}, headers=ADMIN
    )
    assert cancelled.json()["status"] == "cancelled"
    for action in ("accept", "cancel"):
        body = {"reason": "x"} if action == "cancel" else None
        late = await requests.post(f"/requests/{rid}/{action}", json=body, headers=ADMIN)
        assert late.status_code == 409 and late.json()["current_status"] == "cancelled"


async def test_without_a_team_the_order_waits_in_the_unassigned_queue(
    stack: Stack, community: str
) -> None:
    requests = stack["requests"]
    await community_known(stack, community)
    waiting = await submit(requests, order(community, service_kind="performance"))
    assert waiting["status"] == "submitted" and waiting["team_id"] is None
    queue = await requests.get(
        "/requests", params={"community_id": community, "unassigned": True}, headers=ADMIN
    )
    assert [r["id"] for r in queue.json()["items"]] == [waiting["id"]]
    team = await team_known(stack, community, "purple")
    assigned = await requests.post(
        f"/requests/{waiting['id']}/assign", json={"team_id": team["id"]}, headers=ADMIN
    )
    assert assigned.json()["status"] == "assigned" and assigned.json()["team_id"] == team["id"]
    queue = await requests.get(
        "/requests", params={"community_id": community, "unassigned": True}, headers=ADMIN
    )
    assert queue.json()["items"] == []


async def test_routing_picks_the_least_loaded_active_team(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    first, second = await team_known(stack, community), await team_known(stack, community)
    resting = await team_known(stack, community)
    await stack["registry"].post(f"/teams/{resting['id']}/deactivate", headers=ADMIN)

    async def resting_known() -> None:
        assert (await submit(requests, order(community, service_kind="sports"))) is not None
        async with stack.services["requests"].runtime.sessionmaker() as session:
            from services.requests.models import Team

            team = await session.get(Team, uuid.UUID(resting["id"]))
            assert team is not None and team.status == "inactive"

    await eventually(resting_known)
    teams = [(await submit(requests, order(community)))["team_id"] for _ in range(4)]
    assert sorted(teams) == sorted([first["id"], second["id"]] * 2)
    assert resting["id"] not in teams


async def test_bad_orders_are_refused_naming_the_field(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    await community_known(stack, community)
    cases = [
        (order(community, service_kind="haircut"), "service_kind", "elderly_care"),
        (order(community, channel="pigeon"), "channel", None),
        (order(community, paid=False, price=20), "body", "price"),
        (order(community, resident={"name": "赵大爷"}), "phone", None),
        (order(community, description=""), "description", None),
    ]
    for body, field, mention in cases:
        response = await requests.post("/requests", json=body, headers=ADMIN)
        assert response.status_code == 422, response.text
        assert field in [e["loc"][-1] for e in response.json()["errors"]] or field == "body"
        if mention:
            assert mention in response.text
    assert await published_events(stack, "requests", community) == []


async def test_overdue_is_marked_and_published_once(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    await team_known(stack, community)
    rid = (await submit(requests, order(community, urgency="urgent")))["id"]
    sessionmaker = stack.services["requests"].runtime.sessionmaker
    later = utcnow() + timedelta(hours=5)
    for _ in range(2):
        async with sessionmaker() as session, unit_of_work(session):
            await domain.mark_overdue(session, later, "Asia/Shanghai")
    overdue = [
        e
        for e in await published_events(stack, "requests", community)
        if e["type"] == "qise.request.overdue.v1"
    ]
    assert len(overdue) == 1 and overdue[0]["subject"] == rid
    assert (await requests.get(f"/requests/{rid}", headers=ADMIN)).json()["overdue"] is True
    listed = await requests.get(
        "/requests", params={"community_id": community, "overdue": True}, headers=ADMIN
    )
    assert [r["id"] for r in listed.json()["items"]] == [rid]

    async def listed_ids(**filters: Any) -> list[str]:
        params = {"community_id": community, **filters}
        answer = await requests.get("/requests", params=params, headers=ADMIN)
        assert answer.status_code == 200, answer.text
        return [r["id"] for r in answer.json()["items"]]

    # `open` tells orders still to be done from done ones: the console's overdue tab asks both.
    assert await listed_ids(open=True, overdue=True) == [rid]
    assert await listed_ids(open=False) == []
    await requests.post(f"/requests/{rid}/cancel", json={"reason": "居民已自行解决"}, headers=ADMIN)
    assert await listed_ids(open=True, overdue=True) == []
    assert await listed_ids(open=False) == [rid]


async def test_life_events_become_care_tasks(stack: Stack, community: str) -> None:
    registry, requests = stack["registry"], stack["requests"]
    member = await create_volunteer(
        registry, community, is_party_member=True, party_joined_on="1980-03-01"
    )
    for kind in ("hospitalized", "retired"):
        response = await registry.post(
            f"/volunteers/{member['id']}/life-events",
            json={"kind": kind, "occurred_on": "2026-11-20"},
            headers=ADMIN,
        )
        assert response.status_code == 201

    async def tasks() -> list[dict[str, Any]]:
        listed = await requests.get(
            "/care-tasks", params={"community_id": community}, headers=ADMIN
        )
        items = listed.json()["items"]
        assert len(items) == 2, items
        return items

    visit, talk = await eventually(tasks)
    assert (visit["kind"], visit["reason"], talk["kind"], talk["reason"]) == (
        "visit",
        "hospitalized",
        "talk",
        "retired",
    )
    assert visit["owner"] == "community_admins" and visit["status"] == "open"
    assert date.fromisoformat(visit["due_on"]) >= county_today() + timedelta(days=6)
    done = await requests.post(
        f"/care-tasks/{visit['id']}/complete", json={"note": "已到医院探望"}, headers=ADMIN
    )
    assert done.json()["status"] == "done" and done.json()["completed_by"] == "tester"
    twice = await requests.post(f"/care-tasks/{visit['id']}/complete", json={}, headers=ADMIN)
    assert twice.status_code == 409

    sessionmaker = stack.services["requests"].runtime.sessionmaker
    for days in (10, 11):
        async with sessionmaker() as session, unit_of_work(session):
            await domain.mark_overdue(session, utcnow() + timedelta(days=days), "Asia/Shanghai")
    types = await event_types(stack, "requests", community)
    assert types.count("qise.care_task.created.v1") == 2
    assert types.count("qise.care_task.completed.v1") == 1
    assert types.count("qise.care_task.overdue.v1") == 1, "only the open one, and only once"
    late = await requests.get(
        "/care-tasks", params={"community_id": community, "overdue": True}, headers=ADMIN
    )
    assert [t["id"] for t in late.json()["items"]] == [talk["id"]]
    on_time = await requests.get(
        "/care-tasks", params={"community_id": community, "overdue": False}, headers=ADMIN
    )
    assert [t["id"] for t in on_time.json()["items"]] == [visit["id"]]


async def test_a_political_birthday_brings_a_talk_ahead_of_time(
    stack: Stack, community: str
) -> None:
    soon = county_today() + timedelta(days=3)
    joined = (
        soon.replace(year=soon.year - 30)
        if not (soon.month == 2 and soon.day == 29)
        else date(1996, 3, 1)
    )
    member = await create_volunteer(
        stack["registry"],
        community,
        is_party_member=True,
        party_joined_on=joined.isoformat(),
        birth_year=1960,
    )
    sessionmaker = stack.services["requests"].runtime.sessionmaker

    async def created() -> None:
        async with sessionmaker() as session, unit_of_work(session):
            await domain.create_birthday_talks(session, county_today(), lead_days=7)
        listed = await stack["requests"].get(
            "/care-tasks",
            params={"community_id": community, "volunteer_id": member["id"]},
            headers=ADMIN,
        )
        items = listed.json()["items"]
        assert len(items) == 1, items
        task = items[0]
        assert task["reason"] == "political_birthday" and task["kind"] == "talk"
        assert task["due_on"] == joined.replace(year=soon.year).isoformat()

    await eventually(created)
    async with sessionmaker() as session, unit_of_work(session):
        assert await domain.create_birthday_talks(session, county_today(), lead_days=7) == 0


def county_event(community: str, **fields: Any) -> bytes:
    data = requests_events.CountyRequestSubmitted.model_validate(
        order(community, channel="county_platform", **fields)
    )
    return new_event(
        data, source="/county/platform", community=community, subject="resident"
    ).to_json()


async def test_county_inbound_requests_become_orders_once(stack: Stack, community: str) -> None:
    await team_known(stack, community)
    good = county_event(community, description="县平台转来：需要健康咨询")
    malformed = (
        b'{"specversion": "1.0", "type": "qise.county.request.submitted.v1", "' + community.encode()
    )
    unknown_kind = county_event(community, description="未知服务").replace(
        b'"elderly_care"', b'"haircut"'
    )
    await send_raw(
        stack, requests_events.INBOUND_TOPIC, community, good, malformed, unknown_kind, good
    )

    async def arrived() -> list[dict[str, Any]]:
        listed = await stack["requests"].get(
            "/requests", params={"community_id": community}, headers=ADMIN
        )
        items = listed.json()["items"]
        assert len(items) == 1, items
        return items

    [created] = await eventually(arrived)
    assert created["channel"] == "county_platform" and created["status"] == "assigned"
    dlq = requests_events.INBOUND_TOPIC + ".dlq"
    bad = await _dead_letters(stack.broker.bootstrap, dlq, malformed)
    assert b"not a CloudEvents" in bad["qise-dlq-reason"]
    rule = await _dead_letters(stack.broker.bootstrap, dlq, unknown_kind)
    assert b"unknown service_kind" in rule["qise-dlq-reason"]
    await eventually(arrived)  # the duplicate made no second order


async def test_another_community_sees_no_orders_or_tasks(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    await team_known(stack, community)
    rid = (await submit(requests, order(community)))["id"]
    outsider = auth("community_admin", ["elsewhere"])
    assert (await requests.get(f"/requests/{rid}", headers=outsider)).status_code == 404
    assert (await requests.post(f"/requests/{rid}/accept", headers=outsider)).status_code == 404
    assert (
        await requests.post("/requests", json=order(community), headers=outsider)
    ).status_code == 403
    assert (
        await requests.get("/requests", params={"community_id": community}, headers=outsider)
    ).status_code == 404
    assert (await requests.get("/care-tasks", headers=outsider)).json()["items"] == []
    as_volunteer = await requests.get(f"/requests/{rid}", headers=auth("volunteer", [community]))
    assert as_volunteer.json()["resident"]["phone"] == "135****5678"
    refused = await requests.post(
        "/requests", json=order(community), headers=auth("volunteer", [community])
    )
    assert refused.status_code == 403


async def test_the_assigned_teams_leader_accepts_and_completes(
    stack: Stack, community: str
) -> None:
    requests = stack["requests"]
    leader = await create_volunteer(stack["registry"], community)
    await team_known(stack, community, leader_volunteer_id=leader["id"])
    rid = (await submit(requests, order(community)))["id"]
    stranger = auth("team_leader", [community], sub=str(uuid.uuid4()))
    assert (await requests.post(f"/requests/{rid}/accept", headers=stranger)).status_code == 403
    mine = auth("team_leader", [community], sub=leader["id"])
    assert (await requests.post(f"/requests/{rid}/accept", headers=mine)).status_code == 200
    assert (
        await requests.post(f"/requests/{rid}/complete", json={}, headers=mine)
    ).status_code == 200


# -- the scheduler, run by two replicas at once -------------------------------------------

COUNTY_ADMIN = Principal(sub="tester", role="county_admin", communities=["*"])
ALREADY_DUE = lifecycle.Sla(urgent=timedelta(hours=-1), normal=timedelta(hours=-1))
OVERDUE = "qise.request.overdue.v1"


@pytest.fixture
async def replicas(stack: Stack) -> AsyncIterator[list[Runtime]]:
    """Two requests replicas on a database of their own, so no running scheduler marks it."""
    url = await stack.database(f"requests_{uuid.uuid4().hex[:8]}")
    engines = [create_engine(url) for _ in range(2)]
    base = stack.services["requests"].runtime
    try:
        yield [replace(base, engine=e, sessionmaker=create_sessionmaker(e)) for e in engines]
    finally:
        for engine in engines:
            await engine.dispose()


def add_community_with_orange_team(session: AsyncSession, community: str, name: str) -> None:
    """What the requests replica holds once the registry made a community with one active
    orange team: where orders are routed."""
    session.add(Community(id=community, name=name))
    session.add(
        Team(
            id=uuid.uuid4(),
            community_id=community,
            category="orange",
            name="橙色服务队",
            leader_volunteer_id=None,
            status="active",
            version=1,
        )
    )


def zone_today(runtime: Runtime) -> date:
    settings = runtime.settings
    assert isinstance(settings, RequestsSettings)
    return utcnow().astimezone(ZoneInfo(settings.timezone)).date()


async def seeded(runtime: Runtime, orders: int, tasks: int) -> tuple[str, list[Any], list[Any]]:
    """A community with a team, `orders` orders and `tasks` care tasks already past due,
    and a party member whose political birthday is in three days."""
    community = f"c{uuid.uuid4().hex[:12]}"
    soon = zone_today(runtime) + timedelta(days=3)
    joined = date(1996, 3, 1) if (soon.month, soon.day) == (2, 29) else soon.replace(year=1996)
    member = Volunteer(
        id=uuid.uuid4(),
        community_id=community,
        name="王芳",
        is_party_member=True,
        party_joined_on=joined,
        active=True,
        version=1,
    )
    async with runtime.sessionmaker() as session, unit_of_work(session):
        add_community_with_orange_team(session, community, f"调度社区 {community}")
        session.add(member)
        await session.flush()
        command = RequestIn.model_validate(order(community))
        order_ids = [
            (await domain.submit_request(session, "tester", command, ALREADY_DUE)).id
            for _ in range(orders)
        ]
        task_ids = [
            (
                await domain.create_care_task(
                    session,
                    community_id=community,
                    volunteer_id=member.id,
                    volunteer_name=member.name,
                    reason="ill",
                    due_on=zone_today(runtime) - timedelta(days=2),
                )
            ).id
            for _ in range(tasks)
        ]
    return community, order_ids, task_ids


async def logged(runtime: Runtime, community: str) -> dict[str, list[dict[str, Any]]]:
    """The community's events in the replicas' outbox, by subject, oldest first."""
    async with runtime.sessionmaker() as session:
        payloads = await session.scalars(
            select(outbox.c.payload).where(outbox.c.key == community).order_by(outbox.c.seq)
        )
        by_subject: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for payload in payloads:
            event = orjson.loads(payload)
            by_subject[event["subject"]].append(event)
        return by_subject


def climbing(events: list[dict[str, Any]]) -> list[int]:
    versions = [e["data"]["version"] for e in events]
    assert versions == sorted(set(versions)), f"versions out of step: {versions}"
    return versions


async def someone_waits_for_a_lock(runtime: Runtime) -> None:
    async def waiting() -> None:
        async with runtime.sessionmaker() as session:
            waiters = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        assert waiters == 1

    await eventually(waiting, timeout=10)


async def accepted(runtime: Runtime, order_id: uuid.UUID) -> None:
    async with runtime.sessionmaker() as session, unit_of_work(session):
        await domain.accept_request(session, COUNTY_ADMIN, str(order_id))


async def completed(runtime: Runtime, order_id: uuid.UUID) -> None:
    async with runtime.sessionmaker() as session, unit_of_work(session):
        await domain.complete_request(session, COUNTY_ADMIN, str(order_id), "已完成", None)


async def test_two_schedulers_mark_each_order_once_and_make_one_talk(
    replicas: list[Runtime],
) -> None:
    first, second = replicas
    for _ in range(3):
        community, order_ids, task_ids = await seeded(first, orders=30, tasks=5)
        rounds = await asyncio.gather(run_once(first), run_once(second))
        assert sum(marked for marked, _ in rounds) == 35, rounds
        assert sum(talks for _, talks in rounds) == 1, rounds
        assert await run_once(second) == (0, 0)
        events = await logged(first, community)
        for order_id in order_ids:
            mine = events[str(order_id)]
            assert [e["type"].split(".")[2] for e in mine] == ["submitted", "assigned", "overdue"]
            assert climbing(mine) == [1, 2, 3]
        for task_id in task_ids:
            assert [e["type"] for e in events[str(task_id)]] == [
                "qise.care_task.created.v1",
                "qise.care_task.overdue.v1",
            ]
            assert climbing(events[str(task_id)]) == [1, 2]
        talks = [
            e
            for subject in events.values()
            for e in subject
            if e["data"].get("reason") == "political_birthday"
        ]
        assert [t["type"] for t in talks] == ["qise.care_task.created.v1"]
        async with first.sessionmaker() as session:
            made = await session.scalar(
                select(func.count())
                .select_from(CareTask)
                .where(CareTask.community_id == community, CareTask.birthday_year.is_not(None))
            )
        assert made == 1


async def test_a_scheduler_skips_what_the_other_holds_and_nobody_waits(
    replicas: list[Runtime],
) -> None:
    first, second = replicas
    community, order_ids, _ = await seeded(first, orders=5, tasks=0)
    async with first.sessionmaker() as session, unit_of_work(session):
        assert await domain.mark_overdue(session, utcnow(), "Asia/Shanghai") == 5
        # The other replica's round, while this one holds every due order: done at once.
        assert await asyncio.wait_for(run_once(second), timeout=10) == (0, 1)
    events = await logged(first, community)
    assert all([e["type"] for e in events[str(i)]].count(OVERDUE) == 1 for i in order_ids)


async def test_a_talk_the_other_replica_is_making_is_not_made_twice(
    replicas: list[Runtime],
) -> None:
    first, second = replicas
    community, _, _ = await seeded(first, orders=0, tasks=0)
    today = zone_today(first)

    async def talks_made_by_second() -> int:
        async with second.sessionmaker() as session, unit_of_work(session):
            return await domain.create_birthday_talks(session, today, lead_days=7)

    async with first.sessionmaker() as session, unit_of_work(session):
        assert await domain.create_birthday_talks(session, today, lead_days=7) == 1
        # The second replica does not see our talk yet: it inserts its own and waits on ours.
        other = asyncio.create_task(talks_made_by_second())
        await someone_waits_for_a_lock(first)
    assert await asyncio.wait_for(other, timeout=10) == 0
    events = await logged(first, community)
    talks = [e for subject in events.values() for e in subject]
    assert [t["data"]["reason"] for t in talks] == ["political_birthday"]


async def test_an_order_completed_while_the_scheduler_runs_ends_completed(
    replicas: list[Runtime],
) -> None:
    api, scheduler = replicas
    # The completion holds the order: the scheduler passes it by and, next round, it is closed.
    community, [held, *others], _ = await seeded(api, orders=4, tasks=0)
    await accepted(api, held)
    async with api.sessionmaker() as session, unit_of_work(session):
        await domain.complete_request(session, COUNTY_ADMIN, str(held), "已完成", None)
        assert await asyncio.wait_for(run_once(scheduler), timeout=10) == (len(others), 1)
    assert await run_once(scheduler) == (0, 0)
    events = (await logged(api, community))[str(held)]
    assert [e["type"].split(".")[2] for e in events] == [
        "submitted",
        "assigned",
        "accepted",
        "completed",
    ]
    assert climbing(events) == [1, 2, 3, 4] and events[-1]["data"]["overdue"] is False

    # The scheduler holds the order: the completion waits, then completes the overdue order.
    community, [late], _ = await seeded(api, orders=1, tasks=0)
    await accepted(api, late)
    async with scheduler.sessionmaker() as session, unit_of_work(session):
        assert await domain.mark_overdue(session, utcnow(), "Asia/Shanghai") == 1
        completion = asyncio.create_task(completed(api, late))
        await someone_waits_for_a_lock(api)
    await asyncio.wait_for(completion, timeout=10)
    events = (await logged(api, community))[str(late)]
    assert [e["type"].split(".")[2] for e in events] == [
        "submitted",
        "assigned",
        "accepted",
        "overdue",
        "completed",
    ]
    assert climbing(events) == [1, 2, 3, 4, 5] and events[-1]["data"]["overdue"] is True
    async with api.sessionmaker() as session:
        row = await session.get(ServiceRequest, late)
        assert row is not None and (row.status, row.version) == ("completed", 5)
