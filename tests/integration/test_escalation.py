"""服务难题联解: an order its community cannot serve goes to the branch, whose admin gives it
to a team of another community of the branch; that team works it as its own and sees
nothing else of the order's community; escalations the branch leaves waiting are flagged."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from services.requests import domain
from services.requests.models import Community, Team, TeamMember
from shared.db import utcnow
from shared.uow import unit_of_work
from tests.api import (
    create_community,
    create_resident_unit,
    create_volunteer,
    event_types,
    join_team,
    published_events,
)
from tests.conftest import ADMIN, Stack, auth, eventually
from tests.integration.test_requests import order, submit, team_known
from tests.security.world import known, slug

ESCALATED = "qise.request.escalated.v1"
WAITING = "qise.request.escalation_overdue.v1"


@dataclass
class Branch:
    """Two communities of one branch: `home` has no orange team, `neighbour` has one."""

    name: str
    home: str
    neighbour: str
    team: dict[str, Any]
    leader: dict[str, Any]
    member: dict[str, Any]

    def admin(self) -> dict[str, str]:
        return auth("branch_admin", [self.home, self.neighbour], sub="branch-secretary")

    def home_admin(self) -> dict[str, str]:
        return auth("community_admin", [self.home], sub="home-admin")

    def neighbour_admin(self) -> dict[str, str]:
        return auth("community_admin", [self.neighbour], sub="neighbour-admin")

    def leader_token(self) -> dict[str, str]:
        return auth("team_leader", [self.neighbour], sub=self.leader["id"])

    def member_token(self) -> dict[str, str]:
        return auth("volunteer", [self.neighbour], sub=self.member["id"])


async def community_of_branch(stack: Stack, branch: str) -> str:
    """A fresh community, once the requests service knows its branch."""
    community = await create_community(stack["registry"], slug("c"), "联解社区", branch)

    async def branch_known() -> None:
        async with stack.services["requests"].runtime.sessionmaker() as session:
            row = await session.get(Community, community)
            assert row is not None and row.branch == branch

    await eventually(branch_known)
    return community


async def a_branch(stack: Stack) -> Branch:
    name = slug("大支部")
    home = await community_of_branch(stack, name)
    neighbour = await community_of_branch(stack, name)
    registry = stack["registry"]
    leader = await create_volunteer(registry, neighbour, name="邻队长")
    member = await create_volunteer(registry, neighbour, name="邻队员")
    team = await team_known(stack, neighbour, leader_volunteer_id=leader["id"])
    await join_team(registry, team, member)
    await known(stack, "requests", TeamMember, (uuid.UUID(team["id"]), uuid.UUID(member["id"])))
    return Branch(name, home, neighbour, team, leader, member)


async def escalate(
    requests: httpx.AsyncClient, rid: str, headers: dict[str, str], reason: str = "本社区无橙色队"
) -> httpx.Response:
    return await requests.post(
        f"/requests/{rid}/escalate", json={"reason": reason}, headers=headers
    )


async def listed(requests: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    answer = await requests.get("/requests", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["items"]]


async def test_the_branch_gives_a_hard_order_to_a_neighbours_team(stack: Stack) -> None:
    requests = stack["requests"]
    b = await a_branch(stack)
    hard = await submit(requests, order(b.home), headers=b.home_admin())
    other = await submit(requests, order(b.home, description="另一单"), headers=b.home_admin())
    assert hard["status"] == other["status"] == "submitted"  # no orange team at home
    rid = hard["id"]

    escalated = await escalate(requests, rid, b.home_admin())
    assert escalated.status_code == 200, escalated.text
    body = escalated.json()
    assert body["escalated_at"] and body["escalation_reason"] == "本社区无橙色队"
    assert body["status"] == "submitted" and body["escalation_overdue"] is False
    assert body["history"][-1]["action"] == "escalate"
    assert (await escalate(requests, rid, b.home_admin())).status_code == 409
    assert await listed(requests, b.admin(), escalated=True, waiting=True) == [rid]

    # Not the neighbour's yet: its admin, leader and members see nothing of it.
    for outsider in (b.neighbour_admin(), b.leader_token(), b.member_token()):
        assert (await requests.get(f"/requests/{rid}", headers=outsider)).status_code == 404
        assert rid not in await listed(requests, outsider)

    # The home community's admin may not send it to another community's team.
    refused = await requests.post(
        f"/requests/{rid}/assign", json={"team_id": b.team["id"]}, headers=b.home_admin()
    )
    assert refused.status_code == 422, refused.text
    assigned = await requests.post(
        f"/requests/{rid}/assign", json={"team_id": b.team["id"]}, headers=b.admin()
    )
    assert assigned.status_code == 200, assigned.text
    served = assigned.json()
    assert (served["community_id"], served["serving_community_id"]) == (b.home, b.neighbour)
    assert served["status"] == "assigned" and served["team_id"] == b.team["id"]
    assert await listed(requests, b.admin(), escalated=True, waiting=True) == []

    # The serving team reads it, with the resident's phone while it is open ...
    for worker in (b.leader_token(), b.member_token(), b.neighbour_admin()):
        seen = await requests.get(f"/requests/{rid}", headers=worker)
        assert seen.status_code == 200, seen.text
        assert seen.json()["resident"] == {
            "name": "赵大爷",
            "phone": "13512345678",
            "address": "幸福小区3号楼",
        }
        assert await listed(requests, worker) == [rid]
        assert await listed(requests, worker, community_id=b.neighbour) == [rid]
        # ... and nothing else of that community.
        assert (await requests.get(f"/requests/{other['id']}", headers=worker)).status_code == 404
        assert (
            await requests.get("/requests", params={"community_id": b.home}, headers=worker)
        ).status_code == 404
    # A member works it as on their own team's orders: reads, but the leader acts.
    assert (
        await requests.post(f"/requests/{rid}/accept", headers=b.member_token())
    ).status_code == 403
    assert (
        await requests.post(f"/requests/{other['id']}/accept", headers=b.leader_token())
    ).status_code == 404
    accepted = await requests.post(f"/requests/{rid}/accept", headers=b.leader_token())
    assert accepted.status_code == 200, accepted.text
    done = await requests.post(
        f"/requests/{rid}/complete", json={"note": "邻社区橙色队已上门"}, headers=b.leader_token()
    )
    assert done.status_code == 200, done.text
    closed = done.json()
    assert closed["status"] == "completed" and closed["community_id"] == b.home
    # Closed: the resident is masked again to the team that served them.
    assert closed["resident"] == {"name": "赵*", "phone": "135****5678", "address": "幸*"}
    # Not the serving team's other business: cancelling and rating stay the home community's.
    assert (
        await requests.post(f"/requests/{rid}/rate", json={"score": 5}, headers=b.neighbour_admin())
    ).status_code == 404
    rated = await requests.post(f"/requests/{rid}/rate", json={"score": 5}, headers=b.home_admin())
    assert rated.status_code == 200, rated.text

    assert await event_types(stack, "requests", b.home) == [
        "qise.request.submitted.v1",
        "qise.request.submitted.v1",
        ESCALATED,
        "qise.request.assigned.v1",
        "qise.request.accepted.v1",
        "qise.request.completed.v1",
        "qise.request.rated.v1",
    ]
    events = [e for e in await published_events(stack, "requests", b.home) if e["subject"] == rid]
    assert [e["data"]["version"] for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[1]["data"]["reason"] == "本社区无橙色队" and events[1]["data"]["escalated_at"]
    for event in events[2:]:
        assert event["community"] == b.home
        assert event["data"]["serving_community_id"] == b.neighbour
    assert "13512345678" not in str(events)


async def test_a_team_of_another_branch_is_refused(stack: Stack) -> None:
    requests = stack["requests"]
    b = await a_branch(stack)
    far = await community_of_branch(stack, slug("远支部"))
    far_team = await team_known(stack, far)
    rid = (await submit(requests, order(b.home)))["id"]
    # An order not escalated goes to no other community's team, not even by the county.
    early = await requests.post(
        f"/requests/{rid}/assign", json={"team_id": b.team["id"]}, headers=ADMIN
    )
    assert early.status_code == 422 and "escalated" in early.text
    assert (await escalate(requests, rid, ADMIN)).status_code == 200
    for assigner in (ADMIN, b.admin()):
        refused = await requests.post(
            f"/requests/{rid}/assign", json={"team_id": far_team["id"]}, headers=assigner
        )
        assert refused.status_code == 422, refused.text
    # A branch admin of another branch does not see the order at all.
    stranger = auth("branch_admin", [far], sub="far-secretary")
    assert (await requests.get(f"/requests/{rid}", headers=stranger)).status_code == 404
    assert (await escalate(requests, rid, stranger)).status_code == 404
    # The county admin may give it to the neighbour's team of the same branch.
    county = await requests.post(
        f"/requests/{rid}/assign", json={"team_id": b.team["id"]}, headers=ADMIN
    )
    assert county.status_code == 200 and county.json()["serving_community_id"] == b.neighbour
    # A team leader and a branch admin may not escalate; a closed order cannot be escalated.
    second = (await submit(requests, order(b.home)))["id"]
    assert (await escalate(requests, second, b.admin())).status_code == 403
    leader = auth("team_leader", [b.home], sub=str(uuid.uuid4()))
    assert (await escalate(requests, second, leader)).status_code == 403
    await requests.post(f"/requests/{second}/cancel", json={"reason": "已解决"}, headers=ADMIN)
    assert (await escalate(requests, second, ADMIN)).status_code == 409


async def test_an_escalation_left_waiting_is_flagged_once(stack: Stack) -> None:
    requests = stack["requests"]
    b = await a_branch(stack)
    rid = (await submit(requests, order(b.home)))["id"]
    served = (await submit(requests, order(b.home)))["id"]
    for each in (rid, served):
        assert (await escalate(requests, each, b.home_admin())).status_code == 200
    assigned = await requests.post(
        f"/requests/{served}/assign", json={"team_id": b.team["id"]}, headers=b.admin()
    )
    assert assigned.status_code == 200, assigned.text
    sessionmaker = stack.services["requests"].runtime.sessionmaker
    wait = timedelta(hours=24)
    for hours in (23, 25, 26):
        async with sessionmaker() as session, unit_of_work(session):
            await domain.mark_overdue(
                session, utcnow() + timedelta(hours=hours), "Asia/Shanghai", wait
            )
    flagged = [e for e in await published_events(stack, "requests", b.home) if e["type"] == WAITING]
    assert [e["subject"] for e in flagged] == [rid]
    assert flagged[0]["data"]["escalation_overdue"] is True
    answer = (await requests.get(f"/requests/{rid}", headers=b.admin())).json()
    assert answer["escalation_overdue"] is True and answer["escalated_at"]
    assert await listed(requests, b.admin(), escalated=True, waiting=True) == [rid]
    assert sorted(await listed(requests, b.admin(), escalated=True)) == sorted([rid, served])
    assert await listed(requests, b.admin(), escalated=True, waiting=False) == [served]


async def test_a_resident_units_team_serves_a_hard_order(stack: Stack) -> None:
    """The issue's "done when": a community without an orange team, through the branch, to
    the orange team of a resident unit registered under another community of the branch."""
    requests, registry = stack["requests"], stack["registry"]
    branch = slug("大支部")
    home = await community_of_branch(stack, branch)
    hosts = await community_of_branch(stack, branch)
    unit = await create_resident_unit(registry, hosts, contact_phone="13700001111")
    unit_id = unit["id"]
    leader = await create_volunteer(registry, hosts, name="医院队长", unit_id=unit_id)
    team = await team_known(stack, hosts, leader_volunteer_id=leader["id"], unit_id=unit_id)
    assert team["unit_id"] == unit_id

    async def unit_known() -> None:
        async with stack.services["requests"].runtime.sessionmaker() as session:
            row = await session.get(Team, uuid.UUID(team["id"]))
            assert row is not None and str(row.unit_id) == unit_id

    await eventually(unit_known)

    home_admin = auth("community_admin", [home], sub="home-admin")
    branch_admin = auth("branch_admin", [home, hosts], sub="branch-secretary")
    unit_leader = auth("team_leader", [hosts], sub=leader["id"])
    hard = await submit(requests, order(home), headers=home_admin)
    other = await submit(requests, order(home, description="另一单"), headers=home_admin)
    assert (hard["status"], hard["team_id"]) == ("submitted", None)  # no orange team at home
    assert hard["serving_unit_id"] is None
    rid = hard["id"]
    person = {
        "community_id": home,
        "name": "孙奶奶",
        "phone": "13698765432",
        "kind": "elderly_alone",
        "consent": True,
        "consent_on": "2024-01-01",
        "plan_days": 7,
    }
    under_care = await requests.post("/care-recipients", json=person, headers=home_admin)
    assert under_care.status_code == 201, under_care.text

    assert (await escalate(requests, rid, home_admin)).status_code == 200
    assert await listed(requests, branch_admin, escalated=True, waiting=True) == [rid]
    assigned = await requests.post(
        f"/requests/{rid}/assign", json={"team_id": team["id"]}, headers=branch_admin
    )
    assert assigned.status_code == 200, assigned.text
    served = assigned.json()
    assert (served["community_id"], served["serving_community_id"]) == (home, hosts)
    assert served["serving_unit_id"] == unit_id and served["team_id"] == team["id"]

    # The unit's team leader works it as their own ...
    assert await listed(requests, unit_leader) == [rid]
    accepted = await requests.post(f"/requests/{rid}/accept", headers=unit_leader)
    assert accepted.status_code == 200, accepted.text
    done = await requests.post(
        f"/requests/{rid}/complete", json={"note": "医院志愿者上门理发"}, headers=unit_leader
    )
    assert done.status_code == 200, done.text
    closed = done.json()
    assert closed["status"] == "completed" and closed["community_id"] == home
    assert closed["serving_unit_id"] == unit_id
    # ... and sees nothing else of the order's community.
    assert (await requests.get(f"/requests/{other['id']}", headers=unit_leader)).status_code == 404
    assert (
        await requests.get("/requests", params={"community_id": home}, headers=unit_leader)
    ).status_code == 404
    assert (
        await requests.get(f"/care-recipients/{under_care.json()['id']}", headers=unit_leader)
    ).status_code == 404
    assert (await requests.get("/care-recipients", headers=unit_leader)).json()["items"] == []
    # The home community still reads its order, and the branch's admin too.
    for reader in (home_admin, branch_admin):
        seen = (await requests.get(f"/requests/{rid}", headers=reader)).json()
        assert seen["status"] == "completed" and seen["serving_unit_id"] == unit_id

    events = [e for e in await published_events(stack, "requests", home) if e["subject"] == rid]
    assert [e["type"] for e in events] == [
        "qise.request.submitted.v1",
        ESCALATED,
        "qise.request.assigned.v1",
        "qise.request.accepted.v1",
        "qise.request.completed.v1",
    ]
    assert all(e["community"] == home for e in events)
    assert [e["data"]["serving_unit_id"] for e in events] == [None, None, *[unit_id] * 3]
    assert [e["data"]["serving_community_id"] for e in events[2:]] == [hosts] * 3
    # Nothing of the order was published under the serving community.
    assert rid not in str(await published_events(stack, "requests", hosts))
