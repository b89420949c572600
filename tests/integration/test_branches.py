"""Branches as records, and the resident units that take part (共驻共建), through the
registry's API on the real PostgreSQL and broker."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from shared.db import utcnow
from tests.api import (
    create_branch,
    create_community,
    create_resident_unit,
    create_team,
    create_volunteer,
    next_phone,
    published_events,
)
from tests.conftest import ADMIN, Stack, auth


def _key(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


async def _branch(stack: Stack, **fields: Any) -> dict[str, Any]:
    return await create_branch(stack["registry"], _key("b"), "城南社区大支部", **fields)


async def _community(stack: Stack, branch: str | None) -> str:
    community = _key("c")
    return await create_community(stack["registry"], community, f"社区 {community}", branch)


async def _unit(stack: Stack, community: str, name: str = "第一小学") -> dict[str, Any]:
    return await create_resident_unit(
        stack["registry"],
        community,
        name=name,
        kind="school",
        contact_name="刘老师",
        contact_phone="13512345678",
    )


@pytest.fixture
async def place(stack: Stack) -> dict[str, Any]:
    """A branch of two communities, each with a resident unit, and a community elsewhere."""
    branch = await _branch(stack, secretary_name="张书记", secretary_phone="13912345678")
    east, west = await _community(stack, branch["id"]), await _community(stack, branch["id"])
    elsewhere = await _community(stack, None)
    return {
        "branch": branch,
        "east": east,
        "west": west,
        "elsewhere": elsewhere,
        "east_unit": await _unit(stack, east),
        "west_unit": await _unit(stack, west, "人民医院"),
        "elsewhere_unit": await _unit(stack, elsewhere, "别处公司"),
    }


def _branch_admin(place: dict[str, Any]) -> dict[str, str]:
    return auth("branch_admin", [place["east"], place["west"]])


# -- branches ------------------------------------------------------------------------


async def test_a_county_admin_registers_a_branch(stack: Stack) -> None:
    registry = stack["registry"]
    body = {"id": _key("b"), "name": "城北大支部", "secretary_phone": "139 1234 5678"}
    created = await registry.post("/branches", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    branch = created.json()
    assert branch["secretary_phone"] == "13912345678"
    assert branch["communities"] == [] and branch["resident_units"] == []
    again = await registry.post("/branches", json=body, headers=ADMIN)
    assert again.status_code == 409
    for role in ("branch_admin", "community_admin", "team_leader", "volunteer"):
        refused = await registry.post(
            "/branches", json={**body, "id": _key("b")}, headers=auth(role, ["x"])
        )
        assert refused.status_code == 403, role
    bad = await registry.post("/branches", json={**body, "id": "城北 !"}, headers=ADMIN)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "id"]
    events = [
        e
        for e in await published_events(stack, "registry", "*")
        if e["type"] == "qise.branch.registered.v1" and e["data"]["branch_id"] == body["id"]
    ]
    [event] = events
    assert event["data"]["secretary_phone_masked"] == "139****5678"
    assert event["data"]["version"] == 1


async def test_a_branch_shows_its_communities_and_units(
    stack: Stack, place: dict[str, Any]
) -> None:
    registry = stack["registry"]
    branch_id = place["branch"]["id"]
    for headers in (ADMIN, _branch_admin(place)):
        got = await registry.get(f"/branches/{branch_id}", headers=headers)
        assert got.status_code == 200, got.text
        branch = got.json()
        assert sorted(c["id"] for c in branch["communities"]) == sorted(
            [place["east"], place["west"]]
        )
        assert {u["name"] for u in branch["resident_units"]} == {"第一小学", "人民医院"}
        assert branch["secretary_phone"] == "13912345678"
    # A community's admin reads its branch: every community of it, the units of its own,
    # and the secretary's phone masked.
    mine = await registry.get(
        f"/branches/{branch_id}", headers=auth("community_admin", [place["east"]])
    )
    assert mine.status_code == 200
    assert len(mine.json()["communities"]) == 2
    assert [u["name"] for u in mine.json()["resident_units"]] == ["第一小学"]
    assert mine.json()["secretary_phone"] == "139****5678"
    # Outside the token: as if it did not exist.
    outsider = await registry.get(
        f"/branches/{branch_id}", headers=auth("branch_admin", [place["elsewhere"]])
    )
    assert outsider.status_code == 404
    missing = await registry.get("/branches/nosuchbranch", headers=ADMIN)
    assert missing.status_code == 404


async def test_branches_are_listed_within_the_token(stack: Stack, place: dict[str, Any]) -> None:
    registry = stack["registry"]
    branch_id = place["branch"]["id"]
    listed = await registry.get("/branches", headers=_branch_admin(place))
    assert [b["id"] for b in listed.json()["items"]] == [branch_id]
    assert sorted(listed.json()["items"][0]["community_ids"]) == sorted(
        [place["east"], place["west"]]
    )
    volunteer = await registry.get("/branches", headers=auth("volunteer", [place["west"]]))
    assert [b["id"] for b in volunteer.json()["items"]] == [branch_id]
    assert volunteer.json()["items"][0]["secretary_phone"] == "139****5678"
    elsewhere = await registry.get("/branches", headers=auth("volunteer", [place["elsewhere"]]))
    assert elsewhere.json()["items"] == []
    everything = await registry.get("/branches", headers=ADMIN)
    assert branch_id in [b["id"] for b in everything.json()["items"]]


async def test_the_branch_admin_changes_its_branch(stack: Stack, place: dict[str, Any]) -> None:
    registry = stack["registry"]
    url = f"/branches/{place['branch']['id']}"
    changed = await registry.patch(
        url,
        json={"secretary_name": "李书记", "secretary_phone": None},
        headers=_branch_admin(place),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["secretary_name"] == "李书记"
    assert changed.json()["secretary_phone"] is None
    assert changed.json()["name"] == "城南社区大支部"
    renamed = await registry.patch(url, json={"name": "城南大支部"}, headers=ADMIN)
    assert renamed.json()["name"] == "城南大支部"
    cleared = await registry.patch(url, json={"name": None}, headers=ADMIN)
    assert cleared.status_code == 422
    refused = await registry.patch(
        url, json={"name": "x"}, headers=auth("community_admin", [place["east"]])
    )
    assert refused.status_code == 403
    outsider = await registry.patch(
        url, json={"name": "x"}, headers=auth("branch_admin", [place["elsewhere"]])
    )
    assert outsider.status_code == 404
    versions = [
        (e["type"], e["data"]["version"])
        for e in await published_events(stack, "registry", "*")
        if e["type"].startswith("qise.branch.") and e["data"]["branch_id"] == place["branch"]["id"]
    ]
    assert versions == [
        ("qise.branch.registered.v1", 1),
        ("qise.branch.changed.v1", 2),
        ("qise.branch.changed.v1", 3),
    ]


async def test_a_community_refers_to_its_branch(stack: Stack, place: dict[str, Any]) -> None:
    registry = stack["registry"]
    got = await registry.get(f"/communities/{place['east']}", headers=ADMIN)
    assert got.json()["branch"] == place["branch"]["id"]
    created = [
        e
        for e in await published_events(stack, "registry", place["east"])
        if e["type"] == "qise.community.created.v1"
    ]
    assert created[0]["data"]["branch"] == place["branch"]["id"]
    # A name no branch has (a label, as before branches were records) registers that branch.
    label = f"新支部{uuid.uuid4().hex[:6]}"
    community = await _community(stack, label)
    branch = await registry.get(f"/branches/{label}", headers=ADMIN)
    assert branch.status_code == 200, branch.text
    assert branch.json()["name"] == label
    assert [c["id"] for c in branch.json()["communities"]] == [community]
    # ... once: a second community under it joins the same branch.
    second = await _community(stack, label)
    again = await registry.get(f"/branches/{label}", headers=ADMIN)
    assert sorted(c["id"] for c in again.json()["communities"]) == sorted([community, second])


# -- resident units' agreements ------------------------------------------------------


def _agreement(**fields: Any) -> dict[str, Any]:
    today = utcnow().date()
    return {
        "brings": ["volunteers", "venues"],
        "description": "每月开放礼堂，组织教师志愿者",
        "starts_on": str(today - timedelta(days=30)),
        "ends_on": str(today + timedelta(days=335)),
        **fields,
    }


async def test_units_agree_what_they_bring(stack: Stack, place: dict[str, Any]) -> None:
    registry = stack["registry"]
    unit = place["east_unit"]
    url = f"/resident-units/{unit['id']}/agreements"
    today = utcnow().date()
    allowed = [
        ADMIN,
        auth("community_admin", [place["east"]]),
        _branch_admin(place),
    ]
    for headers in allowed:
        made = await registry.post(url, json=_agreement(), headers=headers)
        assert made.status_code == 201, made.text
        assert made.json()["active"] is True
    past = _agreement(
        starts_on=str(today - timedelta(days=400)), ends_on=str(today - timedelta(days=35))
    )
    expired = await registry.post(url, json=past, headers=ADMIN)
    assert expired.json()["active"] is False
    got = await registry.get(
        f"/resident-units/{unit['id']}", headers=auth("volunteer", [place["east"]])
    )
    assert got.status_code == 200, got.text
    shown = got.json()
    assert shown["branch"] == place["branch"]["id"]
    assert shown["contact_phone"] == "135****5678"
    assert [a["active"] for a in shown["agreements"]] == [False, True, True, True]
    assert shown["agreements"][1]["brings"] == ["volunteers", "venues"]
    signed = [
        e
        for e in await published_events(stack, "registry", place["east"])
        if e["type"] == "qise.resident_unit.agreement_signed.v1"
    ]
    assert len(signed) == 4 and signed[0]["data"]["resident_unit_id"] == unit["id"]


async def test_who_may_not_record_an_agreement(stack: Stack, place: dict[str, Any]) -> None:
    registry = stack["registry"]
    url = f"/resident-units/{place['east_unit']['id']}/agreements"
    for role in ("team_leader", "volunteer"):
        refused = await registry.post(url, json=_agreement(), headers=auth(role, [place["east"]]))
        assert refused.status_code == 403, role
    # The admin of the other community of the branch does not see this unit.
    sibling = await registry.post(
        url, json=_agreement(), headers=auth("community_admin", [place["west"]])
    )
    assert sibling.status_code == 404
    other = await registry.post(
        url, json=_agreement(), headers=auth("branch_admin", [place["elsewhere"]])
    )
    assert other.status_code == 404
    missing = await registry.get(f"/resident-units/{uuid.uuid4()}", headers=ADMIN)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"brings": []}, "brings"),
        ({"brings": ["money"]}, "brings"),
        ({"brings": ["funds", "funds"]}, "brings"),
        ({"starts_on": "2025-03-01", "ends_on": "2025-02-28"}, "ends_on"),
    ],
    ids=["nothing", "unknown", "twice", "ends before it starts"],
)
async def test_an_agreement_must_make_sense(
    stack: Stack, place: dict[str, Any], fields: dict[str, Any], field: str
) -> None:
    response = await stack["registry"].post(
        f"/resident-units/{place['east_unit']['id']}/agreements",
        json=_agreement(**fields),
        headers=ADMIN,
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][:2] == ["body", field]


# -- working party members report to their unit (在职党员"双报到") ----------------------


async def test_volunteers_of_a_unit(stack: Stack, place: dict[str, Any]) -> None:
    registry = stack["registry"]
    east_unit, west_unit = place["east_unit"], place["west_unit"]
    own = await create_volunteer(
        registry, place["east"], unit_id=east_unit["id"], is_party_member=True
    )
    assert own["unit_id"] == east_unit["id"]
    # Living in the east, working at the west's hospital: a unit of the same branch.
    neighbour = await create_volunteer(registry, place["east"], unit_id=west_unit["id"])
    assert neighbour["unit_id"] == west_unit["id"]
    refused = await registry.post(
        "/volunteers",
        json={
            "community_id": place["east"],
            "name": "赵六",
            "phone": next_phone(),
            "unit_id": place["elsewhere_unit"]["id"],
        },
        headers=ADMIN,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["loc"] == ["body", "unit_id"]
    unknown = await registry.post(
        "/volunteers",
        json={
            "community_id": place["east"],
            "name": "赵六",
            "phone": next_phone(),
            "unit_id": str(uuid.uuid4()),
        },
        headers=ADMIN,
    )
    assert unknown.status_code == 422
    # PATCH: into a unit, out of it, and not into another branch's.
    plain = await create_volunteer(registry, place["east"])
    moved = await registry.patch(
        f"/volunteers/{plain['id']}", json={"unit_id": east_unit["id"]}, headers=ADMIN
    )
    assert moved.status_code == 200 and moved.json()["unit_id"] == east_unit["id"]
    wrong = await registry.patch(
        f"/volunteers/{plain['id']}", json={"unit_id": place["elsewhere_unit"]["id"]}, headers=ADMIN
    )
    assert wrong.status_code == 422
    listed = await registry.get(
        "/volunteers", params={"unit_id": east_unit["id"]}, headers=_branch_admin(place)
    )
    assert sorted(v["id"] for v in listed.json()["items"]) == sorted([own["id"], plain["id"]])
    left = await registry.patch(f"/volunteers/{plain['id']}", json={"unit_id": None}, headers=ADMIN)
    assert left.json()["unit_id"] is None
    listed = await registry.get("/volunteers", params={"unit_id": east_unit["id"]}, headers=ADMIN)
    assert [v["id"] for v in listed.json()["items"]] == [own["id"]]
    bad = await registry.get("/volunteers", params={"unit_id": "x"}, headers=ADMIN)
    assert bad.status_code == 422
    events = [
        e
        for e in await published_events(stack, "registry", place["east"])
        if e["data"].get("volunteer_id") == plain["id"]
    ]
    assert [e["data"]["unit_id"] for e in events] == [None, east_unit["id"], None]


# -- teams formed by a unit ----------------------------------------------------------


async def test_teams_formed_by_a_unit(stack: Stack, place: dict[str, Any]) -> None:
    registry = stack["registry"]
    unit = place["east_unit"]
    team = await create_team(registry, place["east"], "blue", unit_id=unit["id"])
    assert team["unit_id"] == unit["id"]
    await create_team(registry, place["east"], "green")
    refused = await registry.post(
        "/teams",
        json={
            "community_id": place["east"],
            "category": "red",
            "name": "别处的队",
            "unit_id": place["west_unit"]["id"],
        },
        headers=ADMIN,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["loc"] == ["body", "unit_id"]
    listed = await registry.get(
        "/teams", params={"unit_id": unit["id"]}, headers=auth("volunteer", [place["east"]])
    )
    assert [t["id"] for t in listed.json()["items"]] == [team["id"]]
    renamed = await registry.patch(
        f"/teams/{team['id']}", json={"name": "蓝色校园队"}, headers=ADMIN
    )
    assert renamed.json()["unit_id"] == unit["id"]
    events = [
        e
        for e in await published_events(stack, "registry", place["east"])
        if e["data"].get("team_id") == team["id"] and e["type"].startswith("qise.team.")
    ]
    assert [(e["type"], e["data"]["unit_id"], e["data"]["version"]) for e in events] == [
        ("qise.team.registered.v1", unit["id"], 1),
        ("qise.team.updated.v1", unit["id"], 2),
    ]
