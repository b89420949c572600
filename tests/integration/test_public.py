"""The public notice board (公示栏): anyone may read a community's or a branch's figures
without a token; they equal the overview's, no person is on it, answers are kept and
cacheable for a while, and one address cannot ask too often."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
from sqlalchemy import delete

from services.stats.models import Branch, Community
from tests.api import create_branch, create_community, create_volunteer
from tests.conftest import ADMIN, Stack, eventually
from tests.integration.test_activities import activity_body, log
from tests.integration.test_requests import order, submit, team_known

COLOR_FIGURES = ("teams", "volunteers", "activities", "people_served", "volunteer_hours")
HEADLINE = ("volunteers", "party_member_volunteers", "teams", "activities", "people_served")


def anonymous(stack: Stack) -> httpx.AsyncClient:
    """A client without a token, from an address of its own (the limit is per address)."""
    address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    transport = httpx.ASGITransport(
        app=stack.services["stats"].manager.app, client=(address, 40000)
    )
    return httpx.AsyncClient(transport=transport, base_url="http://stats", timeout=30)


def phone() -> str:
    return f"139{random.randint(10_000_000, 99_999_999)}"


async def community_of(stack: Stack, branch: str) -> str:
    community_id = f"pub{uuid.uuid4().hex[:12]}"
    return await create_community(
        stack["registry"], community_id, f"公开社区 {community_id}", branch
    )


async def lived_in(stack: Stack, community: str) -> list[str]:
    """Volunteers, a team, an activity and an order with a resident, all with names and
    phones nobody else has; those names, phones and the volunteers' ids are returned."""
    registry = stack["registry"]
    secrets: list[str] = []
    people = []
    for name in ("隐私甲壹", "隐私乙贰", "隐私丙叁"):
        number = phone()
        person = await create_volunteer(
            registry, community, name=f"{name}{uuid.uuid4().hex[:4]}", phone=number
        )
        people.append(person)
        secrets += [person["name"], number, person["id"]]
    team = await team_known(stack, community, "orange", leader_volunteer_id=people[0]["id"])
    for person in people[1:]:
        joined = await registry.post(
            f"/teams/{team['id']}/members", json={"volunteer_id": person["id"]}, headers=ADMIN
        )
        assert joined.status_code in (200, 201), joined.text
    title = f"义诊进社区{uuid.uuid4().hex[:4]}"
    logged = await log(stack["activities"], activity_body(community, team, people, title=title))
    assert logged.status_code == 201, logged.text
    resident_name, resident_phone = f"居民隐私{uuid.uuid4().hex[:4]}", phone()
    resident = {"name": resident_name, "phone": resident_phone, "address": "隐私小区9号楼"}
    await submit(stack["requests"], order(community, resident=resident))
    secrets += [resident_name, resident_phone, "隐私小区9号楼"]
    return secrets


async def overview(stack: Stack, scope: str, area: str) -> dict[str, Any]:
    response = await stack["stats"].get(
        "/stats/overview", params={"scope": scope, "id": area}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return response.json()


async def settled(stack: Stack, community: str) -> dict[str, Any]:
    async def done() -> dict[str, Any]:
        figures = await overview(stack, "community", community)
        assert figures["volunteers"] == 3 and figures["activities"] == 1
        assert figures["by_category"][1]["volunteers"] == 3
        assert figures["requests"]["submitted"] == 1
        return figures

    return await eventually(done)


def same_figures(page: dict[str, Any], figures: dict[str, Any]) -> None:
    assert {k: page[k] for k in HEADLINE} == {k: figures[k] for k in HEADLINE}
    assert page["volunteer_hours"] == figures["volunteer_hours"]
    assert [{k: c[k] for k in ("category", "name", *COLOR_FIGURES)} for c in page["colors"]] == [
        {k: c[k] for k in ("category", "name", *COLOR_FIGURES)} for c in figures["by_category"]
    ]


async def test_a_community_page_has_its_figures_and_no_person(stack: Stack) -> None:
    community = await community_of(stack, f"公开大支部{uuid.uuid4().hex[:6]}")
    secrets = await lived_in(stack, community)
    figures = await settled(stack, community)
    async with anonymous(stack) as client:
        answer = await client.get(f"/public/{community}", params={"format": "json"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.headers["cache-control"] == "public, max-age=300"
        page = answer.json()
        same_figures(page, figures)
        assert page["name"] == figures["name"] and page["communities"] == []
        assert [a["title"][:5] for a in page["recent_activities"]] == ["义诊进社区"]

        printed = await client.get(f"/public/{community}")
        assert printed.status_code == 200
        assert printed.headers["content-type"].startswith("text/html")
        assert printed.headers["cache-control"] == "public, max-age=300"
        text = printed.text
        assert "志愿服务公示栏" in text and "@page { size: A4" in text
        assert page["recent_activities"][0]["title"] in text and "七彩服务队" in text

        for secret in secrets:
            assert secret not in answer.text, secret
            assert secret not in text, secret


async def test_the_answer_is_kept_for_a_while(stack: Stack) -> None:
    community = await community_of(stack, f"公开大支部{uuid.uuid4().hex[:6]}")
    await lived_in(stack, community)
    await settled(stack, community)
    async with anonymous(stack) as client:
        first = await client.get(f"/public/{community}", params={"format": "json"})
        await create_volunteer(stack["registry"], community, name="后来者")

        async def counted() -> None:
            assert (await overview(stack, "community", community))["volunteers"] == 4

        await eventually(counted)
        again = await client.get(f"/public/{community}", params={"format": "json"})
        # The kept answer, not the newer figures: the database is not asked again.
        assert again.content == first.content and again.json()["volunteers"] == 3


async def test_a_branch_page_shows_its_communities_side_by_side(stack: Stack) -> None:
    branch = f"公开大支部{uuid.uuid4().hex[:6]}"
    busy, quiet = await community_of(stack, branch), await community_of(stack, branch)
    secrets = await lived_in(stack, busy)
    await settled(stack, busy)
    await create_volunteer(stack["registry"], quiet, name="安静社区志愿者", phone=phone())

    async def both() -> dict[str, Any]:
        figures = await overview(stack, "branch", branch)
        assert figures["volunteers"] == 4
        return figures

    figures = await eventually(both)
    async with anonymous(stack) as client:
        answer = await client.get(f"/public/branches/{branch}", params={"format": "json"})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        same_figures(page, figures)
        assert page["scope"] == "branch" and page["name"] == branch
        listed = {c["id"]: c for c in page["communities"]}
        assert sorted(listed) == sorted([busy, quiet])
        for community in (busy, quiet):
            one = await overview(stack, "community", community)
            assert {k: listed[community][k] for k in (*HEADLINE[:1], *HEADLINE[2:])} == {
                k: one[k] for k in (*HEADLINE[:1], *HEADLINE[2:])
            }
            assert listed[community]["name"] == one["name"]
        assert page["recent_activities"][0]["community_id"] == busy
        printed = await client.get(f"/public/branches/{branch}")
        assert printed.status_code == 200 and "共建社区" in printed.text
        for secret in secrets:
            assert secret not in answer.text and secret not in printed.text, secret


async def test_unknown_community_or_branch_is_404(stack: Stack) -> None:
    async with anonymous(stack) as client:
        for path in ("/public/nosuchcommunity", "/public/branches/没有这个大支部"):
            for params in ({}, {"format": "json"}):
                answer = await client.get(path, params=params)
                assert answer.status_code == 404, answer.text
                assert answer.headers["content-type"] == "application/problem+json"


async def test_one_address_is_limited(stack: Stack) -> None:
    community = await community_of(stack, f"公开大支部{uuid.uuid4().hex[:6]}")
    burst = stack.services["stats"].settings.public_burst  # type: ignore[attr-defined]

    async def known() -> None:
        async with stack.services["stats"].runtime.sessionmaker() as session:
            assert await session.get(Community, community) is not None

    await eventually(known)
    async with anonymous(stack) as client:
        answers = [(await client.get(f"/public/{community}")).status_code for _ in range(burst)]
        assert set(answers) == {200}
        refused = await client.get(f"/public/{community}", params={"format": "json"})
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) >= 1
    async with anonymous(stack) as other:
        # Another address is not held back.
        assert (await other.get(f"/public/{community}")).status_code == 200


async def test_a_registered_branch_shows_by_its_name(stack: Stack) -> None:
    """A branch registered through the registry with a Chinese name: the overview, the
    areas, the report and both public pages name it so, never by its id; a rename follows."""
    branch = f"chengnan{uuid.uuid4().hex[:8]}"
    name = f"城南社区大支部{branch[-4:]}"
    await create_branch(stack["registry"], branch, name)
    community = await community_of(stack, branch)
    await create_volunteer(stack["registry"], community, name="城南志愿者", phone=phone())

    async def named() -> dict[str, Any]:
        figures = await overview(stack, "branch", branch)
        assert figures["volunteers"] == 1 and figures["name"] == name
        return figures

    await eventually(named)
    areas = await stack["stats"].get("/stats/areas", headers=ADMIN)
    assert areas.status_code == 200, areas.text
    assert areas.json()["branch_names"][branch] == name
    listed = {c["id"]: c for c in areas.json()["communities"]}
    assert (listed[community]["branch"], listed[community]["branch_name"]) == (branch, name)
    report = await stack["stats"].get(
        "/reports/summary", params={"scope": "branch", "id": branch}, headers=ADMIN
    )
    assert report.status_code == 200, report.text
    assert f"# {name}志愿服务工作情况报告" in report.text

    async with anonymous(stack) as client:
        answer = await client.get(f"/public/branches/{branch}", params={"format": "json"})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert (page["id"], page["name"], page["branch"]) == (branch, name, branch)
        printed = await client.get(f"/public/branches/{branch}")
        assert f"{name}志愿服务公示栏" in printed.text
        assert f"{branch}志愿服务公示栏" not in printed.text
        own = await client.get(f"/public/{community}", params={"format": "json"})
        assert (own.json()["branch"], own.json()["branch_name"]) == (branch, name)
        assert f"所属大支部：{name}" in (await client.get(f"/public/{community}")).text

    renamed = await stack["registry"].patch(
        f"/branches/{branch}", json={"name": f"{name}（新）"}, headers=ADMIN
    )
    assert renamed.status_code == 200, renamed.text

    async def follows() -> None:
        assert (await overview(stack, "branch", branch))["name"] == f"{name}（新）"

    await eventually(follows)


async def test_a_branch_stats_has_no_record_of_shows_by_its_id(stack: Stack) -> None:
    branch = f"nobranch{uuid.uuid4().hex[:8]}"
    community = await community_of(stack, branch)
    sessionmaker = stack.services["stats"].runtime.sessionmaker

    async def both_known() -> None:
        async with sessionmaker() as session:
            assert await session.get(Community, community) is not None
            assert await session.get(Branch, branch) is not None

    await eventually(both_known)
    # Its record taken away, as if its event had not been applied yet.
    async with sessionmaker() as session, session.begin():
        await session.execute(delete(Branch).where(Branch.id == branch))
    assert (await overview(stack, "branch", branch))["name"] == branch
    areas = (await stack["stats"].get("/stats/areas", headers=ADMIN)).json()
    assert areas["branch_names"][branch] == branch
