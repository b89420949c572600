"""The branch as one body in stats, built from events only: orders served across the
branch's communities (服务难题联解), given by the serving community and its resident unit and
received by the order's community; escalations and those left waiting; the people under
care (关爱对象) and their visits; and the public pages, with figures and no person."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from services.requests import domain
from services.requests.models import TeamMember
from shared.db import utcnow
from shared.uow import unit_of_work
from tests.api import create_resident_unit, create_volunteer, join_team
from tests.conftest import ADMIN, Stack, auth, eventually
from tests.integration.test_care_register import days_ago, person, register, visit
from tests.integration.test_escalation import community_of_branch, escalate
from tests.integration.test_public import anonymous
from tests.integration.test_requests import order, submit, team_known
from tests.security.world import known, slug

UNIT_NAME = "县人民医院"
RESIDENT = {"name": "钱奶奶联解", "phone": "13587654321", "address": "联解小区7号楼"}


async def overview(
    stack: Stack,
    scope: str,
    area: str,
    headers: dict[str, str] = ADMIN,
    period: dict[str, str] | None = None,
) -> dict[str, Any]:
    answer = await stack["stats"].get(
        "/stats/overview", params={"scope": scope, "id": area, **(period or {})}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def unit_of(stack: Stack, community: str) -> dict[str, Any]:
    return await create_resident_unit(
        stack["registry"],
        community,
        name=UNIT_NAME,
        contact_name="联络员孙医生",
        contact_phone="13700001111",
    )


async def test_an_order_served_across_the_branch_counts_on_both_sides(stack: Stack) -> None:
    requests, registry = stack["requests"], stack["registry"]
    branch = slug("大支部")
    home = await community_of_branch(stack, branch)  # no orange team
    hosts = await community_of_branch(stack, branch)  # the hospital is registered here
    unit = await unit_of(stack, hosts)
    leader = await create_volunteer(registry, hosts, name="医院队长", unit_id=unit["id"])
    team = await team_known(
        stack, hosts, "orange", unit_id=unit["id"], leader_volunteer_id=leader["id"]
    )
    member = await create_volunteer(registry, hosts, name="医院队员", unit_id=unit["id"])
    await join_team(registry, team, member)
    await known(stack, "requests", TeamMember, (uuid.UUID(team["id"]), uuid.UUID(member["id"])))
    home_admin = auth("community_admin", [home], sub="home-admin")
    branch_admin = auth("branch_admin", [home, hosts], sub="branch-secretary")

    # Three hard orders: one served by the hospital's team, one left waiting too long,
    # one waiting still.
    served, late, fresh = [
        (await submit(requests, order(home, resident=RESIDENT), headers=home_admin))["id"]
        for _ in range(3)
    ]
    for rid in (served, late):
        assert (await escalate(requests, rid, home_admin)).status_code == 200
    async with stack.services["requests"].runtime.sessionmaker() as session:
        async with unit_of_work(session):
            await domain.mark_overdue(
                session, utcnow() + timedelta(hours=25), "Asia/Shanghai", timedelta(hours=24)
            )
    assert (await escalate(requests, fresh, home_admin)).status_code == 200
    assigned = await requests.post(
        f"/requests/{served}/assign", json={"team_id": team["id"]}, headers=branch_admin
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["serving_community_id"] == hosts
    leader_token = auth("team_leader", [hosts], sub=leader["id"])
    accepted = await requests.post(f"/requests/{served}/accept", headers=leader_token)
    assert accepted.status_code == 200, accepted.text
    done = await requests.post(
        f"/requests/{served}/complete", json={"note": "医院志愿者上门"}, headers=leader_token
    )
    assert done.status_code == 200, done.text

    async def counted() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        mine = await overview(stack, "community", home, home_admin)
        theirs = await overview(stack, "community", hosts)
        whole = await overview(stack, "branch", branch, branch_admin)
        assert mine["requests"]["completed"] == 1
        assert mine["branch_work"]["received"] == 1
        assert mine["branch_work"]["escalations_waiting"] == 2
        assert whole["branch_work"]["units"] and whole["branch_work"]["units"][0]["given"] == 1
        return mine, theirs, whole

    mine, theirs, whole = await eventually(counted)
    assert mine["branch_work"] == {
        "given": 0,
        "received": 1,
        "escalated": 3,
        "escalations_waiting": 2,  # `late` and `fresh`: no team from the branch yet
        "escalations_overdue": 1,  # `late` only; `served` was flagged too, but has a team
        "units": [],
    }
    assert theirs["branch_work"] == {
        "given": 1,
        "received": 0,
        "escalated": 0,
        "escalations_waiting": 0,
        "escalations_overdue": 0,
        "units": [],
    }
    # The order stays its community's: counted among the home community's orders.
    assert theirs["requests"]["submitted"] == 0
    work = whole["branch_work"]
    assert (work["given"], work["received"], work["escalated"]) == (1, 1, 3)
    assert (work["escalations_waiting"], work["escalations_overdue"]) == (2, 1)
    assert work["units"] == [
        {"unit_id": unit["id"], "name": UNIT_NAME, "community_id": hosts, "given": 1}
    ]
    # A period that ended before the orders were taken counts none of them.
    before = str(utcnow().date() - timedelta(days=10))
    earlier = await overview(stack, "branch", branch, branch_admin, {"from": before, "to": before})
    assert (earlier["branch_work"]["given"], earlier["branch_work"]["escalated"]) == (0, 0)
    assert earlier["branch_work"]["units"][0]["given"] == 0

    report = await stack["stats"].get(
        "/reports/summary", params={"scope": "community", "id": home}, headers=home_admin
    )
    assert report.status_code == 200, report.text
    assert "由其他社区协助办结订单1件" in report.text
    assert "待大支部派单2件（其中超时1件）" in report.text
    branch_report = await stack["stats"].get(
        "/reports/summary", params={"scope": "branch", "id": branch}, headers=branch_admin
    )
    assert f"驻区单位协助办结：{UNIT_NAME}1件" in branch_report.text

    # The public branch page: figures and the unit's name, nobody's name or phone.
    async with anonymous(stack) as client:
        page = await client.get(f"/public/branches/{branch}", params={"format": "json"})
        assert page.status_code == 200, page.text
        board = page.json()
        html = (await client.get(f"/public/branches/{branch}")).text
    assert board["branch_work"] == {
        "given": 1,
        "received": 1,
        "escalated": 3,
        "units": [{"name": UNIT_NAME, "given": 1}],
    }
    sides = {c["id"]: (c["given"], c["received"]) for c in board["communities"]}
    assert sides == {home: (0, 1), hosts: (1, 0)}
    assert "服务难题联解" in html and UNIT_NAME in html
    for secret in (
        *RESIDENT.values(),
        leader["name"],
        member["name"],
        leader["id"],
        "联络员孙医生",
        "13700001111",
    ):
        assert secret not in page.text and secret not in html


async def test_people_under_care_and_visits_on_time(stack: Stack) -> None:
    requests = stack["requests"]
    branch = slug("大支部")
    community = await community_of_branch(stack, branch)
    weekly = await register(requests, person(community, under_care_since=days_ago(20)))
    on_time = await visit(requests, weekly["id"], days_ago(14))  # due 13 days ago: on time
    assert on_time.status_code == 201 and on_time.json()["on_time"] is True, on_time.text
    await register(requests, person(community, kind="disabled"))  # due in a week
    ended = await register(requests, person(community, kind="left_behind_child"))
    today = await visit(requests, ended["id"], days_ago(0))  # due in a week: on time
    assert today.status_code == 201 and today.json()["on_time"] is True, today.text
    gone = await requests.post(
        f"/care-recipients/{ended['id']}/end", json={"reason": "随父母迁出"}, headers=ADMIN
    )
    assert gone.status_code == 200, gone.text

    async def counted() -> dict[str, Any]:
        figures = await overview(stack, "community", community)
        assert figures["care_register"]["under_care"] == 2
        assert figures["care_register"]["visits"] == 2
        return figures

    care = (await eventually(counted))["care_register"]
    assert care["by_kind"] == {
        "elderly_alone": 1,
        "disabled": 1,
        "left_behind_child": 0,
        "family_in_difficulty": 0,
    }
    # The weekly one was last seen 14 days ago, due again 7 days ago: overdue now.
    assert care["overdue"] == 1
    assert care["visits_on_time"] == 2
    branch_figures = await overview(stack, "branch", branch)
    assert branch_figures["care_register"] == care
    # Visits count within the period; people under care are as they stand now.
    week = await overview(
        stack, "community", community, period={"from": days_ago(7), "to": days_ago(0)}
    )
    assert week["care_register"]["visits"] == 1 and week["care_register"]["under_care"] == 2

    report = await stack["stats"].get(
        "/reports/summary", params={"scope": "community", "id": community}, headers=ADMIN
    )
    assert "关爱对象2人（独居老人1人、残疾人1人、留守儿童0人、困难家庭0人）" in report.text
    assert "目前逾期未访1人" in report.text
    async with anonymous(stack) as client:
        board = (await client.get(f"/public/{community}", params={"format": "json"})).json()
        html = (await client.get(f"/public/{community}")).text
    assert board["care_register"] == {k: care[k] for k in board["care_register"]}
    assert "关爱对象2人" in html
    for secret in ("孙奶奶", "13698765432", "幸福小区5号楼2单元", "独居，患高血压", "随父母迁出"):
        assert secret not in html and secret not in str(board)
