"""The registry's rules through its API, on the real PostgreSQL and broker."""

from __future__ import annotations

import uuid
from typing import get_args

import pytest

from services.registry.schemas import LifeEventKind
from shared.auth import Role
from tests.api import (
    create_team,
    create_volunteer,
    event_types,
    join_team,
    next_phone,
    published_events,
)
from tests.conftest import ADMIN, Stack, auth, eventually

# -- communities and resident units -------------------------------------------------


async def test_only_a_county_admin_creates_communities(stack: Stack, community: str) -> None:
    registry = stack["registry"]
    body = {"id": f"x{uuid.uuid4().hex[:10]}", "name": "新社区"}
    refused = await registry.post(
        "/communities", json=body, headers=auth("community_admin", [community])
    )
    assert refused.status_code == 403
    again = await registry.post(
        "/communities", json={"id": community, "name": "重名"}, headers=ADMIN
    )
    assert again.status_code == 409
    bad_slug = await registry.post(
        "/communities", json={"id": "Long Quan!", "name": "x"}, headers=ADMIN
    )
    assert bad_slug.status_code == 422
    assert bad_slug.json()["errors"][0]["loc"] == ["body", "id"]


async def test_communities_are_listed_within_the_token(stack: Stack, community: str) -> None:
    mine = await stack["registry"].get("/communities", headers=auth("community_admin", [community]))
    assert [c["id"] for c in mine.json()["items"]] == [community]
    assert mine.json()["items"][0]["branch"] == "测试大支部"
    everything = await stack["registry"].get("/communities", headers=ADMIN)
    assert community in [c["id"] for c in everything.json()["items"]]
    other = await stack["registry"].get(
        f"/communities/{community}", headers=auth("volunteer", ["zz"])
    )
    assert other.status_code == 404


async def test_resident_units_co_build_with_a_community(stack: Stack, community: str) -> None:
    registry = stack["registry"]
    body = {
        "community_id": community,
        "name": "隰县第一小学",
        "kind": "school",
        "contact_name": "刘老师",
        "contact_phone": "13512345678",
    }
    created = await registry.post("/resident-units", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    listed = await registry.get(
        "/resident-units",
        params={"community_id": community},
        headers=auth("volunteer", [community]),
    )
    [unit] = listed.json()["items"]
    assert unit["name"] == "隰县第一小学" and unit["contact_phone"] == "135****5678"
    outsider = await registry.post(
        "/resident-units", json=body, headers=auth("community_admin", ["elsewhere"])
    )
    assert outsider.status_code == 403


# -- categories --------------------------------------------------------------------


async def test_the_seven_colors_are_seeded_in_order(stack: Stack) -> None:
    response = await stack["registry"].get("/categories", headers=auth("volunteer", ["x1"]))
    categories = response.json()
    codes = [c["code"] for c in categories][:7]
    assert codes == ["red", "orange", "gold", "green", "cyan", "blue", "purple"]
    assert categories[0]["name"] == "红色先锋" and categories[0]["description"]


async def test_county_admin_adds_and_renames_but_cannot_delete_a_category_in_use(
    stack: Stack, community: str
) -> None:
    registry = stack["registry"]
    code = f"k{uuid.uuid4().hex[:8]}"
    staff = auth("community_admin", [community])
    assert (
        await registry.post("/categories", json={"code": code, "name": "x"}, headers=staff)
    ).status_code == 403
    created = await registry.post(
        "/categories", json={"code": code, "name": "白色助学", "description": "助学"}, headers=ADMIN
    )
    assert created.status_code == 201
    renamed = await registry.patch(
        f"/categories/{code}", json={"name": "白色助学服务"}, headers=ADMIN
    )
    assert renamed.json()["name"] == "白色助学服务"
    await create_team(registry, community, category=code)
    in_use = await registry.delete(f"/categories/{code}", headers=ADMIN)
    assert in_use.status_code == 409
    unused = f"u{uuid.uuid4().hex[:8]}"
    await registry.post("/categories", json={"code": unused, "name": "临时"}, headers=ADMIN)
    assert (await registry.delete(f"/categories/{unused}", headers=ADMIN)).status_code == 204
    # Defined again after its deletion, it goes on from its last version: replicas that
    # kept the old definition take the new one for the newer.
    again = await registry.post("/categories", json={"code": unused, "name": "再来"}, headers=ADMIN)
    assert again.status_code == 201, again.text
    published = [
        (e["data"]["name"], e["data"]["version"])
        for code_ in (code, unused)
        for e in await published_events(stack, "registry", "*")
        if e["subject"] == code_
    ]
    assert published == [("白色助学", 1), ("白色助学服务", 2), ("临时", 1), ("再来", 2)]


# -- teams -------------------------------------------------------------------------


async def test_team_lifecycle_and_members(stack: Stack, community: str) -> None:
    registry = stack["registry"]
    leader = await create_volunteer(registry, community, name="队长")
    member = await create_volunteer(registry, community, name="队员")
    team = await create_team(registry, community, "green", leader_volunteer_id=leader["id"])
    assert team["status"] == "active" and team["member_count"] == 1
    await join_team(registry, team, member)
    twice = await registry.post(
        f"/teams/{team['id']}/members", json={"volunteer_id": member["id"]}, headers=ADMIN
    )
    assert twice.status_code == 409
    other = await create_team(registry, community, "purple")
    await registry.post(
        f"/teams/{other['id']}/members", json={"volunteer_id": member["id"]}, headers=ADMIN
    )
    volunteer = (await registry.get(f"/volunteers/{member['id']}", headers=ADMIN)).json()
    assert sorted(volunteer["team_ids"]) == sorted([team["id"], other["id"]])

    listed = await registry.get(
        "/teams", params={"community_id": community, "category": "green"}, headers=ADMIN
    )
    [green] = listed.json()["items"]
    assert green["member_count"] == 2

    renamed = await registry.patch(f"/teams/{team['id']}", json={"name": "绿色家园"}, headers=ADMIN)
    assert renamed.json()["name"] == "绿色家园"
    left = await registry.delete(f"/teams/{team['id']}/members/{member['id']}", headers=ADMIN)
    assert left.status_code == 204
    deactivated = await registry.post(f"/teams/{team['id']}/deactivate", headers=ADMIN)
    assert deactivated.json()["status"] == "inactive"
    closed = await registry.post(
        f"/teams/{team['id']}/members", json={"volunteer_id": member["id"]}, headers=ADMIN
    )
    assert closed.status_code == 409

    assert [
        t for t in await event_types(stack, "registry", community) if t.startswith("qise.team")
    ] == [
        "qise.team.registered.v1",
        "qise.team.member_joined.v1",
        "qise.team.member_joined.v1",
        "qise.team.registered.v1",
        "qise.team.member_joined.v1",
        "qise.team.updated.v1",
        "qise.team.member_left.v1",
        "qise.team.updated.v1",
    ]


async def test_a_leader_who_leaves_and_a_second_deactivation_version_the_team_once_each(
    stack: Stack, community: str
) -> None:
    registry = stack["registry"]
    leader = await create_volunteer(registry, community)
    team = await create_team(registry, community, "red", leader_volunteer_id=leader["id"])
    left = await registry.delete(f"/teams/{team['id']}/members/{leader['id']}", headers=ADMIN)
    assert left.status_code == 204
    answers = [
        await registry.post(f"/teams/{team['id']}/deactivate", headers=ADMIN) for _ in range(2)
    ]
    # The second deactivation answers the team as it is, and publishes nothing.
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert answers[1].json()["status"] == "inactive"
    assert answers[1].json()["leader_volunteer_id"] is None
    updates = [
        e
        for e in await published_events(stack, "registry", community)
        if e["subject"] == team["id"] and e["type"].startswith("qise.team.")
    ]
    # Joins and leaves are changes of the team too: every event about it climbs by one.
    assert [(e["type"], e["data"]["version"]) for e in updates] == [
        ("qise.team.registered.v1", 1),
        ("qise.team.member_joined.v1", 2),
        ("qise.team.updated.v1", 3),
        ("qise.team.member_left.v1", 4),
        ("qise.team.updated.v1", 5),
    ]
    assert updates[2]["data"]["leader_volunteer_id"] is None
    assert updates[4]["data"]["status"] == "inactive"


async def test_team_leader_manages_only_their_own_team(stack: Stack, community: str) -> None:
    registry = stack["registry"]
    leader = await create_volunteer(registry, community)
    member = await create_volunteer(registry, community)
    team = await create_team(registry, community, "cyan", leader_volunteer_id=leader["id"])
    other = await create_team(registry, community, "blue")
    as_leader = auth("team_leader", [community], sub=leader["id"])
    own = await registry.post(
        f"/teams/{team['id']}/members", json={"volunteer_id": member["id"]}, headers=as_leader
    )
    assert own.status_code == 201
    foreign = await registry.post(
        f"/teams/{other['id']}/members", json={"volunteer_id": member["id"]}, headers=as_leader
    )
    assert foreign.status_code == 403
    rename = await registry.patch(f"/teams/{team['id']}", json={"name": "改名"}, headers=as_leader)
    assert rename.status_code == 403


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"category": "violet"}, 422, "category"),
        ({"name": ""}, 422, "name"),
        ({"name": "队" * 101}, 422, "name"),
        ({"leader_volunteer_id": "not-a-uuid"}, 422, "leader_volunteer_id"),
        ({"leader_volunteer_id": str(uuid.uuid4())}, 422, "leader_volunteer_id"),
        ({"community_id": "nosuchcommunity"}, 422, "community_id"),
    ],
)
async def test_bad_teams_are_refused_and_nothing_is_written(
    stack: Stack, community: str, change: dict[str, str], status: int, field: str
) -> None:
    body = {"community_id": community, "category": "red", "name": "红色先锋队", **change}
    response = await stack["registry"].post("/teams", json=body, headers=ADMIN)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["loc"][-1] for e in response.json()["errors"]]
    teams = await stack["registry"].get("/teams", params={"community_id": community}, headers=ADMIN)
    assert teams.json()["items"] == []


async def test_a_leader_from_another_community_is_refused(stack: Stack, community: str) -> None:
    registry = stack["registry"]
    elsewhere = f"e{uuid.uuid4().hex[:10]}"
    await registry.post("/communities", json={"id": elsewhere, "name": "别的社区"}, headers=ADMIN)
    stranger = await create_volunteer(registry, elsewhere)
    response = await registry.post(
        "/teams",
        json={
            "community_id": community,
            "category": "red",
            "name": "x",
            "leader_volunteer_id": stranger["id"],
        },
        headers=ADMIN,
    )
    assert response.status_code == 422
    team = await create_team(registry, community)
    joined = await registry.post(
        f"/teams/{team['id']}/members", json={"volunteer_id": stranger["id"]}, headers=ADMIN
    )
    assert joined.status_code == 422


# -- volunteers --------------------------------------------------------------------


async def test_volunteer_update_and_deactivation_publish_their_state(
    stack: Stack, community: str
) -> None:
    registry = stack["registry"]
    volunteer = await create_volunteer(registry, community, skills=["剪纸"], availability="周末")
    updated = await registry.patch(
        f"/volunteers/{volunteer['id']}",
        json={"name": "王芳芳", "is_party_member": True, "party_joined_on": "2001-07-01"},
        headers=ADMIN,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["political_birthday"] == "07-01"
    deactivated = await registry.post(
        f"/volunteers/{volunteer['id']}/deactivate", json={"reason": "搬离社区"}, headers=ADMIN
    )
    assert deactivated.json()["active"] is False
    assert deactivated.json()["deactivated_reason"] == "搬离社区"
    again = await registry.post(
        f"/volunteers/{volunteer['id']}/deactivate", json={"reason": "x"}, headers=ADMIN
    )
    assert again.status_code == 409
    kept = await registry.get(f"/volunteers/{volunteer['id']}", headers=ADMIN)
    assert kept.status_code == 200

    events = [
        e
        for e in await published_events(stack, "registry", community)
        if e["subject"] == volunteer["id"]
    ]
    assert [e["type"] for e in events] == [
        "qise.volunteer.registered.v1",
        "qise.volunteer.updated.v1",
        "qise.volunteer.deactivated.v1",
    ]
    assert [e["data"]["version"] for e in events] == [1, 2, 3]
    assert events[1]["data"]["name"] == "王芳芳" and events[1]["data"]["is_party_member"] is True
    assert events[2]["data"]["reason"] == "搬离社区"
    assert all(e["source"] == "/qise/registry" and e["community"] == community for e in events)


async def test_stats_follows_updates_and_deactivations(stack: Stack, community: str) -> None:
    registry = stack["registry"]
    volunteer = await create_volunteer(registry, community)
    await create_volunteer(registry, community)
    await registry.patch(
        f"/volunteers/{volunteer['id']}", json={"is_party_member": True}, headers=ADMIN
    )
    await registry.post(
        f"/volunteers/{volunteer['id']}/deactivate", json={"reason": "x"}, headers=ADMIN
    )

    async def figures() -> None:
        response = await stack["stats"].get(
            "/stats/overview", params={"scope": "community", "id": community}, headers=ADMIN
        )
        body = response.json()
        assert (body["volunteers"], body["party_member_volunteers"]) == (1, 0), body

    await eventually(figures)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({"party_joined_on": "2999-01-01", "is_party_member": True}, "party_joined_on"),
        ({"name": "名" * 51}, "name"),
        ({"birth_year": "nineteen"}, "birth_year"),
        ({"is_party_member": "perhaps"}, "is_party_member"),
        ({"skills": "剪纸"}, "skills"),
        ({"community_id": "nosuchcommunity"}, "community_id"),
    ],
)
async def test_bad_volunteers_are_refused_and_nothing_is_written(
    stack: Stack, community: str, change: dict[str, str], field: str
) -> None:
    body = {"community_id": community, "name": "张三", "phone": next_phone(), **change}
    response = await stack["registry"].post("/volunteers", json=body, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert field in [e["loc"][-1] for e in response.json()["errors"]]
    assert await event_types(stack, "registry", community) == ["qise.community.created.v1"]


async def test_a_duplicate_phone_is_a_conflict_not_a_second_person(
    stack: Stack, community: str
) -> None:
    registry = stack["registry"]
    first = await create_volunteer(registry, community)
    response = await registry.post(
        "/volunteers",
        json={"community_id": community, "name": "另一人", "phone": first["phone"]},
        headers=ADMIN,
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["loc"] == ["body", "phone"]
    other = await create_volunteer(registry, community)
    clash = await registry.patch(
        f"/volunteers/{other['id']}", json={"phone": first["phone"]}, headers=ADMIN
    )
    assert clash.status_code == 409


async def test_search_and_pagination(stack: Stack, community: str) -> None:
    registry = stack["registry"]
    wang = await create_volunteer(
        registry, community, name="王建国", phone="13911112222", is_party_member=True
    )
    await create_volunteer(registry, community, name="李秀英")
    team = await create_team(registry, community, "gold")
    await registry.post(
        f"/teams/{team['id']}/members", json={"volunteer_id": wang["id"]}, headers=ADMIN
    )
    for _ in range(3):
        await create_volunteer(registry, community, name="赵志强")

    async def names(**params: str | bool) -> list[str]:
        response = await registry.get(
            "/volunteers", params={"community_id": community, **params}, headers=ADMIN
        )
        assert response.status_code == 200, response.text
        return [v["name"] for v in response.json()["items"]]

    assert await names(q="建国") == ["王建国"]
    assert await names(q="2222") == ["王建国"]
    assert await names(team_id=team["id"]) == ["王建国"]
    assert await names(is_party_member=True) == ["王建国"]
    assert len(await names(is_party_member=False)) == 4

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"community_id": community, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await registry.get("/volunteers", params=params, headers=ADMIN)).json()
        seen += [v["id"] for v in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 == len(set(seen))
    too_many = await registry.get("/volunteers", params={"limit": 501}, headers=ADMIN)
    assert too_many.status_code == 422
    bad_cursor = await registry.get("/volunteers", params={"cursor": "nonsense"}, headers=ADMIN)
    assert bad_cursor.status_code == 422


# -- bulk import -------------------------------------------------------------------


async def test_import_creates_good_rows_and_reports_bad_ones(stack: Stack, community: str) -> None:
    registry = stack["registry"]
    existing = await create_volunteer(registry, community)
    csv = (
        "name,phone,gender,birth_year,is_party_member,party_joined_on,skills\n"
        "王芳,13600000001,女,1960,是,1990-07-01,剪纸;秧歌\n"
        "李强,13600000002,男,1985,否,,\n"
        f"重复,{existing['phone']},,,,,\n"
        "坏电话,abc,,,,,\n"
        "再重复,13600000001,,,,,\n"
        "未来党员,13600000003,,,true,2999-01-01,\n"
    )
    response = await registry.post(
        "/volunteers/import",
        params={"community_id": community},
        files={"file": ("v.csv", csv.encode(), "text/csv")},
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == 2
    assert [e["row"] for e in result["errors"]] == [4, 5, 6, 7]
    assert "phone" in result["errors"][0]["detail"] and "already" in result["errors"][0]["detail"]
    assert "party_joined_on" in result["errors"][3]["detail"]
    listed = await registry.get("/volunteers", params={"community_id": community}, headers=ADMIN)
    assert len(listed.json()["items"]) == 3
    registered = [
        t
        for t in await event_types(stack, "registry", community)
        if t == "qise.volunteer.registered.v1"
    ]
    assert len(registered) == 3


async def test_an_unreadable_csv_is_refused_whole(stack: Stack, community: str) -> None:
    response = await stack["registry"].post(
        "/volunteers/import",
        params={"community_id": community},
        files={"file": ("v.csv", "姓名,电话\n王芳,1380000".encode("gbk"), "text/csv")},
        headers=ADMIN,
    )
    assert response.status_code == 422
    assert "UTF-8" in response.json()["detail"]


# -- life events -------------------------------------------------------------------


async def test_life_events_are_for_party_members(stack: Stack, community: str) -> None:
    registry = stack["registry"]
    member = await create_volunteer(
        registry, community, is_party_member=True, party_joined_on="1985-07-01"
    )
    citizen = await create_volunteer(registry, community)
    for kind in get_args(LifeEventKind):
        response = await registry.post(
            f"/volunteers/{member['id']}/life-events",
            json={"kind": kind, "occurred_on": "2026-11-01", "note": "住院"},
            headers=ADMIN,
        )
        assert response.status_code == 201, response.text
    refused = await registry.post(
        f"/volunteers/{citizen['id']}/life-events",
        json={"kind": "ill", "occurred_on": "2026-11-01"},
        headers=ADMIN,
    )
    assert refused.status_code == 422
    unknown = await registry.post(
        f"/volunteers/{member['id']}/life-events",
        json={"kind": "bored", "occurred_on": "2026-11-01"},
        headers=ADMIN,
    )
    assert unknown.status_code == 422
    listed = await registry.get(f"/volunteers/{member['id']}/life-events", headers=ADMIN)
    assert len(listed.json()["items"]) == 10
    recorded = [
        e
        for e in await published_events(stack, "registry", community)
        if e["type"] == "qise.party_member.life_event_recorded.v1"
    ]
    assert len(recorded) == 10
    assert (
        recorded[0]["data"]["kind"] == "ill" and recorded[0]["data"]["volunteer_id"] == member["id"]
    )


# -- tenant isolation --------------------------------------------------------------


async def test_another_communitys_admin_gets_404_on_reads_and_403_on_writes(
    stack: Stack, community: str
) -> None:
    registry = stack["registry"]
    volunteer = await create_volunteer(registry, community, is_party_member=True)
    team = await create_team(registry, community)
    outsider = auth("community_admin", ["elsewhere"])
    reads = [
        f"/volunteers/{volunteer['id']}",
        f"/volunteers/{volunteer['id']}/life-events",
        f"/teams/{team['id']}",
        f"/communities/{community}",
    ]
    for path in reads:
        assert (await registry.get(path, headers=outsider)).status_code == 404, path
    lists = await registry.get("/volunteers", params={"community_id": community}, headers=outsider)
    assert lists.status_code == 404
    unfiltered = await registry.get("/volunteers", headers=outsider)
    assert unfiltered.json()["items"] == []
    writes = [
        ("POST", "/volunteers", {"community_id": community, "name": "x", "phone": next_phone()}),
        ("POST", "/teams", {"community_id": community, "category": "red", "name": "x"}),
    ]
    for method, path, body in writes:
        assert (
            await registry.request(method, path, json=body, headers=outsider)
        ).status_code == 403, path
    # A write to an entity of another community: the entity does not exist for the caller.
    patch = await registry.patch(
        f"/volunteers/{volunteer['id']}", json={"name": "x"}, headers=outsider
    )
    assert patch.status_code == 404
    imported = await registry.post(
        "/volunteers/import",
        params={"community_id": community},
        files={"file": ("v.csv", b"name,phone\nA,13000000001\n", "text/csv")},
        headers=outsider,
    )
    assert imported.status_code == 403


async def test_volunteers_and_team_leaders_cannot_register_people(
    stack: Stack, community: str
) -> None:
    roles: tuple[Role, ...] = ("volunteer", "team_leader")
    for role in roles:
        response = await stack["registry"].post(
            "/volunteers",
            json={"community_id": community, "name": "x", "phone": next_phone()},
            headers=auth(role, [community]),
        )
        assert response.status_code == 403
