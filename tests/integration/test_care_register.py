"""The care register (关爱对象) through the requests API: registering people under care with
their consent, visit plans and overdue visits, visits by the responsible team's leader and
members (who see only the people their team looks after),
isolation between communities, and events that name nobody."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from services.requests.models import TeamMember
from shared.db import utcnow
from tests.api import create, create_volunteer, event_types, join_team, published_events
from tests.conftest import ADMIN, Stack, auth, eventually
from tests.integration.test_requests import community_known, team_known
from tests.security.world import known

NAME, PHONE, ADDRESS = "孙奶奶", "13698765432", "幸福小区5号楼2单元"


def today() -> date:
    return utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()


def days_ago(n: int) -> str:
    return str(today() - timedelta(days=n))


def person(community: str, **fields: Any) -> dict[str, Any]:
    return {
        "community_id": community,
        "name": NAME,
        "phone": PHONE,
        "address": ADDRESS,
        "kind": "elderly_alone",
        "consent": True,
        "consent_on": days_ago(30),
        "plan_days": 7,
        "notes": "独居，患高血压，每周上门测血压",
        **fields,
    }


async def register(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] = ADMIN
) -> dict[str, Any]:
    return await create(client, "/care-recipients", body, headers)


async def visit(
    client: httpx.AsyncClient, rid: str, on: str, headers: dict[str, str] = ADMIN, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/care-recipients/{rid}/visits", json={"visited_on": on, **fields}, headers=headers
    )


async def test_registering_needs_consent(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    await community_known(stack, community)
    without = {k: v for k, v in person(community).items() if k != "consent"}
    refused = [
        without,
        person(community, consent=False),
        person(community, consent_on=str(today() + timedelta(days=1))),
        person(community, under_care_since=days_ago(40)),  # before consent
        person(community, kind="rich_uncle"),
        person(community, plan_days=0),
    ]
    for body in refused:
        answer = await requests.post("/care-recipients", json=body, headers=ADMIN)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    created = await register(requests, person(community))
    assert created["status"] == "active" and created["consent_recorded_by"] == "tester"
    assert created["under_care_since"] == str(today())
    assert created["next_due_on"] == str(today() + timedelta(days=7))
    assert created["overdue"] is False and created["visits"] == 0
    assert created["phone"] == PHONE


async def test_the_visit_plan_and_overdue_visits(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    await community_known(stack, community)
    weekly = await register(requests, person(community, under_care_since=days_ago(20)))
    assert weekly["next_due_on"] == days_ago(13) and weekly["overdue"] is True
    fresh = await register(requests, person(community, kind="disabled"))
    rid = weekly["id"]

    late = await visit(requests, rid, days_ago(10), note="上门测血压，一切正常")
    assert late.status_code == 201, late.text
    assert late.json()["due_on"] == days_ago(13) and late.json()["on_time"] is False
    after = (await requests.get(f"/care-recipients/{rid}", headers=ADMIN)).json()
    assert after["last_visited_on"] == days_ago(10) and after["next_due_on"] == days_ago(3)
    assert after["overdue"] is True and after["visits"] == 1

    listed = await requests.get(
        "/care-recipients", params={"community_id": community, "overdue": True}, headers=ADMIN
    )
    assert [r["id"] for r in listed.json()["items"]] == [rid]
    on_track = await requests.get(
        "/care-recipients", params={"community_id": community, "overdue": False}, headers=ADMIN
    )
    assert [r["id"] for r in on_track.json()["items"]] == [fresh["id"]]
    summary = await requests.get(
        "/care-recipients/summary", params={"community_id": community}, headers=ADMIN
    )
    assert summary.json() == [
        {
            "community_id": community,
            "under_care": 2,
            "overdue": 1,
            "by_kind": {"elderly_alone": 1, "disabled": 1},
        }
    ]

    on_time = await visit(requests, rid, days_ago(4))
    assert on_time.json()["due_on"] == days_ago(3) and on_time.json()["on_time"] is True
    # A visit logged late for an earlier day is judged against the visit before it.
    backdated = await visit(requests, rid, days_ago(8))
    assert backdated.json()["due_on"] == days_ago(3) and backdated.json()["on_time"] is True
    now = (await requests.get(f"/care-recipients/{rid}", headers=ADMIN)).json()
    assert now["next_due_on"] == str(today() + timedelta(days=3)) and now["overdue"] is False
    assert now["visits"] == 3
    visits = (await requests.get(f"/care-recipients/{rid}/visits", headers=ADMIN)).json()
    assert [v["visited_on"] for v in visits["items"]] == [days_ago(10), days_ago(4), days_ago(8)]

    # A longer plan counts from the last visit.
    monthly = await requests.patch(f"/care-recipients/{rid}", json={"plan_days": 30}, headers=ADMIN)
    assert monthly.json()["next_due_on"] == str(today() + timedelta(days=26))
    future = await visit(requests, rid, str(today() + timedelta(days=1)))
    assert future.status_code == 422
    before_care = await visit(requests, rid, days_ago(21))
    assert before_care.status_code == 422

    ended = await requests.post(
        f"/care-recipients/{rid}/end", json={"reason": "已搬至子女家居住"}, headers=ADMIN
    )
    assert ended.json()["status"] == "ended" and ended.json()["ended_on"] == str(today())
    assert ended.json()["overdue"] is False
    again = await requests.post(f"/care-recipients/{rid}/end", json={"reason": "x"}, headers=ADMIN)
    assert again.status_code == 409 and again.json()["current_status"] == "ended"
    assert (await visit(requests, rid, str(today()))).status_code == 409
    changed = await requests.patch(f"/care-recipients/{rid}", json={"notes": "x"}, headers=ADMIN)
    assert changed.status_code == 409


async def test_the_responsible_teams_leader_logs_visits(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    leader = await create_volunteer(stack["registry"], community, name="张队长")
    team = await team_known(stack, community, leader_volunteer_id=leader["id"])
    other = await team_known(stack, community)
    blue = await team_known(stack, community, "blue")
    wrong_color = await requests.post(
        "/care-recipients", json=person(community, team_id=blue["id"]), headers=ADMIN
    )
    assert wrong_color.status_code == 422
    stranger_team = await requests.post(
        "/care-recipients", json=person(community, team_id=str(uuid.uuid4())), headers=ADMIN
    )
    assert stranger_team.status_code == 422
    rid = (await register(requests, person(community, team_id=team["id"])))["id"]

    mine = auth("team_leader", [community], sub=leader["id"])
    logged = await visit(requests, rid, str(today()), headers=mine, note="送去米和油")
    assert logged.status_code == 201, logged.text
    assert logged.json()["team_id"] == team["id"] and logged.json()["recorded_by"] == leader["id"]
    seen = (await requests.get(f"/care-recipients/{rid}", headers=mine)).json()
    assert seen["phone"] == "136****5432" and seen["visits"] == 1

    other_leader = auth("team_leader", [community], sub=str(uuid.uuid4()))
    assert (await visit(requests, rid, str(today()), headers=other_leader)).status_code == 403
    assert (await requests.get(f"/care-recipients/{rid}", headers=other_leader)).status_code == 404
    for body in (person(community), {"plan_days": 1}):
        url = "/care-recipients" if "name" in body else f"/care-recipients/{rid}"
        method = "POST" if "name" in body else "PATCH"
        refused = await requests.request(method, url, json=body, headers=mine)
        assert refused.status_code == 403, refused.text
    moved = await requests.patch(
        f"/care-recipients/{rid}", json={"team_id": other["id"]}, headers=ADMIN
    )
    assert moved.json()["team_id"] == other["id"]
    assert (await visit(requests, rid, str(today()), headers=mine)).status_code == 403


async def listed(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    answer = await client.get("/care-recipients", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["items"]]


async def test_the_responsible_teams_members_visit_theirs_only(
    stack: Stack, community: str
) -> None:
    requests, registry = stack["requests"], stack["registry"]
    member = await create_volunteer(registry, community, name="李队员")
    outsider = await create_volunteer(registry, community, name="王志愿者")
    team = await team_known(stack, community)
    other = await team_known(stack, community)
    await join_team(registry, team, member)
    await known(stack, "requests", TeamMember, (uuid.UUID(team["id"]), uuid.UUID(member["id"])))
    ours = (await register(requests, person(community, team_id=team["id"])))["id"]
    theirs = (await register(requests, person(community, team_id=other["id"])))["id"]
    nobodys = (await register(requests, person(community)))["id"]

    mine = auth("volunteer", [community], sub=member["id"])
    assert await listed(requests, mine) == [ours]
    assert await listed(requests, mine, community_id=community) == [ours]
    assert sorted(await listed(requests, ADMIN, community_id=community)) == sorted(
        [ours, theirs, nobodys]
    )
    seen = await requests.get(f"/care-recipients/{ours}", headers=mine)
    assert seen.status_code == 200 and seen.json()["phone"] == "136****5432"
    logged = await visit(requests, ours, str(today()), headers=mine, note="陪老人聊天")
    assert logged.status_code == 201, logged.text
    assert logged.json()["team_id"] == team["id"]
    assert logged.json()["volunteer_id"] == member["id"] == logged.json()["recorded_by"]
    visits = await requests.get(f"/care-recipients/{ours}/visits", headers=mine)
    assert [v["id"] for v in visits.json()["items"]] == [logged.json()["id"]]
    # Another team's people, and those of no team, are none of the member's business.
    for rid in (theirs, nobodys):
        assert (await requests.get(f"/care-recipients/{rid}", headers=mine)).status_code == 404
        assert (
            await requests.get(f"/care-recipients/{rid}/visits", headers=mine)
        ).status_code == 404
        assert (await visit(requests, rid, str(today()), headers=mine)).status_code == 403
    stranger = auth("volunteer", [community], sub=outsider["id"])
    assert await listed(requests, stranger) == []
    assert (await visit(requests, ours, str(today()), headers=stranger)).status_code == 403
    # Members write nothing else of the register.
    refused = await requests.patch(f"/care-recipients/{ours}", json={"plan_days": 1}, headers=mine)
    assert refused.status_code == 403

    # Once they leave the team, its people are no longer theirs.
    left = await registry.delete(f"/teams/{team['id']}/members/{member['id']}", headers=ADMIN)
    assert left.status_code in (200, 204), left.text

    async def gone() -> None:
        assert await listed(requests, mine) == []

    await eventually(gone)
    assert (await visit(requests, ours, str(today()), headers=mine)).status_code == 403
    assert (await requests.get(f"/care-recipients/{ours}", headers=mine)).status_code == 404


async def test_another_community_sees_nobody_under_care(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    await community_known(stack, community)
    rid = (await register(requests, person(community)))["id"]
    outsider = auth("community_admin", ["elsewhere"])
    assert (await requests.get(f"/care-recipients/{rid}", headers=outsider)).status_code == 404
    assert (
        await requests.get(f"/care-recipients/{rid}/visits", headers=outsider)
    ).status_code == 404
    assert (await visit(requests, rid, str(today()), headers=outsider)).status_code == 404
    patched = await requests.patch(
        f"/care-recipients/{rid}", json={"plan_days": 3}, headers=outsider
    )
    assert patched.status_code == 404
    ended = await requests.post(
        f"/care-recipients/{rid}/end", json={"reason": "x"}, headers=outsider
    )
    assert ended.status_code == 404
    assert (
        await requests.post("/care-recipients", json=person(community), headers=outsider)
    ).status_code == 403
    for path in ("/care-recipients", "/care-recipients/summary"):
        scoped = await requests.get(path, params={"community_id": community}, headers=outsider)
        assert scoped.status_code == 404
    assert (await requests.get("/care-recipients", headers=outsider)).json()["items"] == []
    assert (await requests.get("/care-recipients/summary", headers=outsider)).json() == []


async def test_the_events_name_nobody(stack: Stack, community: str) -> None:
    requests = stack["requests"]
    await community_known(stack, community)
    rid = (await register(requests, person(community, under_care_since=days_ago(10))))["id"]
    assert (await visit(requests, rid, days_ago(2), note=f"{NAME}身体不错")).status_code == 201
    await requests.patch(f"/care-recipients/{rid}", json={"plan_days": 14}, headers=ADMIN)
    # Changing only who the person is (their phone) tells the counters nothing.
    await requests.patch(f"/care-recipients/{rid}", json={"phone": "13600001111"}, headers=ADMIN)
    await requests.post(
        f"/care-recipients/{rid}/end", json={"reason": f"{NAME}已住进养老院"}, headers=ADMIN
    )
    assert await event_types(stack, "requests", community) == [
        "qise.care_recipient.registered.v1",
        "qise.care_visit.logged.v1",
        "qise.care_recipient.changed.v1",
        "qise.care_recipient.ended.v1",
    ]
    events = await published_events(stack, "requests", community)
    text = str(events)
    for secret in (NAME, PHONE, "13600001111", "136****", ADDRESS, "高血压", "养老院", "身体"):
        assert secret not in text, secret
    data = [e["data"] for e in events]
    assert [d["version"] for d in data] == [1, 2, 3, 5]
    logged = data[1]
    assert logged["care_recipient_id"] == rid and logged["community_id"] == community
    assert logged["kind"] == "elderly_alone" and logged["plan_days"] == 7
    assert logged["visited_on"] == days_ago(2) and logged["on_time"] is False
    assert logged["due_on"] == days_ago(3) and logged["next_due_on"] == str(
        today() + timedelta(days=5)
    )
    assert data[2]["plan_days"] == 14 and data[3]["status"] == "ended"
