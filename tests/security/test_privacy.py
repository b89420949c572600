"""Phone numbers: whole to the county admin and the community's own admins, masked
(`139****5678`) to team leaders and volunteers, and never whole in any event."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from shared.auth import ROLES, Role
from tests.api import published_events
from tests.conftest import ADMIN, Stack, auth
from tests.security.world import World, build_world

VOLUNTEER_PHONE, VOLUNTEER_MASKED = "13912345678", "139****5678"
CONTACT_PHONE, CONTACT_MASKED = "13612345678", "136****5678"
RESIDENT_PHONE, RESIDENT_MASKED = "13512345678", "135****5678"
CHANGED_PHONE, CHANGED_MASKED = "13312345678", "133****5678"
IMPORTED_PHONE, IMPORTED_MASKED = "13212345678", "132****5678"
WHOLE = (VOLUNTEER_PHONE, CONTACT_PHONE, RESIDENT_PHONE, CHANGED_PHONE, IMPORTED_PHONE)


@dataclass
class Private:
    world: World
    volunteer: dict[str, Any]
    changed: dict[str, Any]
    unit: dict[str, Any]
    order: dict[str, Any]
    phones: list[str]  # every whole number this module gave the services


@pytest.fixture(scope="module")
async def private(stack: Stack) -> Private:
    world = await build_world(stack)
    registry, requests = world.registry, world.requests
    volunteer = await world.volunteer(name="周敏", phone=VOLUNTEER_PHONE)
    joined = await registry.post(
        f"/teams/{world.team['id']}/members", json={"volunteer_id": volunteer["id"]}, headers=ADMIN
    )
    assert joined.status_code == 201, joined.text
    changed = await world.volunteer(name="吴刚", is_party_member=True)
    patched = await registry.patch(
        f"/volunteers/{changed['id']}", json={"phone": CHANGED_PHONE}, headers=ADMIN
    )
    assert patched.status_code == 200, patched.text
    deactivated = await registry.post(
        f"/volunteers/{changed['id']}/deactivate", json={"reason": "搬离"}, headers=ADMIN
    )
    assert deactivated.status_code == 200, deactivated.text
    imported = await registry.post(
        "/volunteers/import",
        params={"community_id": world.community},
        files={"file": ("v.csv", f"name,phone\n郑洁,{IMPORTED_PHONE}\n".encode(), "text/csv")},
        headers=ADMIN,
    )
    assert imported.json() == {"created": 1, "errors": []}, imported.text
    unit = await registry.post(
        "/resident-units",
        json={
            "community_id": world.community,
            "name": "区税务局",
            "kind": "government",
            "contact_phone": CONTACT_PHONE,
        },
        headers=ADMIN,
    )
    assert unit.status_code == 201, unit.text
    order_body = world.order_body()
    order_body["resident"]["phone"] = RESIDENT_PHONE
    order = await requests.post("/requests", json=order_body, headers=ADMIN)
    assert order.status_code == 201, order.text
    for step in ("accept", "complete"):
        moved = await requests.post(
            f"/requests/{order.json()['id']}/{step}", json={}, headers=ADMIN
        )
        assert moved.status_code == 200, moved.text
    phones = [
        *WHOLE,
        world.leader["phone"],
        world.member["phone"],
        world.party["phone"],
        world.unit["contact_phone"],
        world.order["resident"]["phone"],
    ]
    return Private(world, volunteer, changed, unit.json(), order.json(), phones)


def headers(private: Private, role: Role | str) -> dict[str, str]:
    if role == "county_admin (all communities)":
        return ADMIN
    assert role in ROLES
    return private.world.headers(role)


VIEWERS = [*ROLES, "county_admin (all communities)"]
WHOLE_TO = {"county_admin", "community_admin", "county_admin (all communities)"}

Read = Callable[[Private, dict[str, str]], Awaitable[list[str]]]


async def one_volunteer(p: Private, h: dict[str, str]) -> list[str]:
    got = await p.world.registry.get(f"/volunteers/{p.volunteer['id']}", headers=h)
    assert got.status_code == 200, got.text
    return [got.json()["phone"]]


async def volunteer_list(p: Private, h: dict[str, str]) -> list[str]:
    got = await p.world.registry.get(
        "/volunteers", params={"community_id": p.world.community, "q": "周敏"}, headers=h
    )
    assert got.status_code == 200, got.text
    return [v["phone"] for v in got.json()["items"]]


async def team_members(p: Private, h: dict[str, str]) -> list[str]:
    got = await p.world.registry.get(
        "/volunteers", params={"team_id": p.world.team["id"], "limit": 500}, headers=h
    )
    assert got.status_code == 200, got.text
    return [v["phone"] for v in got.json()["items"] if v["id"] == p.volunteer["id"]]


async def unit_contacts(p: Private, h: dict[str, str]) -> list[str]:
    got = await p.world.registry.get(
        "/resident-units", params={"community_id": p.world.community}, headers=h
    )
    assert got.status_code == 200, got.text
    return [u["contact_phone"] for u in got.json()["items"] if u["id"] == p.unit["id"]]


async def one_order(p: Private, h: dict[str, str]) -> list[str]:
    got = await p.world.requests.get(f"/requests/{p.order['id']}", headers=h)
    assert got.status_code == 200, got.text
    return [got.json()["resident"]["phone"]]


async def order_list(p: Private, h: dict[str, str]) -> list[str]:
    got = await p.world.requests.get(
        "/requests", params={"community_id": p.world.community, "status": "completed"}, headers=h
    )
    assert got.status_code == 200, got.text
    return [o["resident"]["phone"] for o in got.json()["items"] if o["id"] == p.order["id"]]


VIEWS: dict[str, tuple[Read, str, str]] = {
    "GET /volunteers/{id}": (one_volunteer, VOLUNTEER_PHONE, VOLUNTEER_MASKED),
    "GET /volunteers?community_id": (volunteer_list, VOLUNTEER_PHONE, VOLUNTEER_MASKED),
    "GET /volunteers?team_id": (team_members, VOLUNTEER_PHONE, VOLUNTEER_MASKED),
    "GET /resident-units": (unit_contacts, CONTACT_PHONE, CONTACT_MASKED),
    "GET /requests/{id}": (one_order, RESIDENT_PHONE, RESIDENT_MASKED),
    "GET /requests": (order_list, RESIDENT_PHONE, RESIDENT_MASKED),
}
CASES = [(view, viewer) for view in VIEWS for viewer in VIEWERS]


@pytest.mark.parametrize(
    ("view", "viewer"), CASES, ids=[f"{view} as {viewer}" for view, viewer in CASES]
)
async def test_phones_are_whole_only_to_admins(private: Private, view: str, viewer: str) -> None:
    read, whole, masked = VIEWS[view]
    expected = whole if viewer in WHOLE_TO else masked
    assert await read(private, headers(private, viewer)) == [expected]


async def test_the_answers_to_writes_mask_as_the_reads_do(private: Private) -> None:
    """What an admin wrote comes back whole; a team leader adding a member sees it masked."""
    assert private.volunteer["phone"] == VOLUNTEER_PHONE
    assert private.unit["contact_phone"] == CONTACT_PHONE
    assert private.order["resident"]["phone"] == RESIDENT_PHONE
    world = private.world
    listed = await world.registry.get(
        "/volunteers",
        params={"community_id": world.community, "q": "吴刚", "active": "false"},
        headers=world.headers("team_leader"),
    )
    assert [v["phone"] for v in listed.json()["items"]] == [CHANGED_MASKED]


async def test_an_admin_of_another_community_sees_no_phone_at_all(private: Private) -> None:
    outsider = auth("community_admin", ["elsewhere"])
    got = await private.world.registry.get(
        f"/volunteers/{private.volunteer['id']}", headers=outsider
    )
    assert got.status_code == 404 and VOLUNTEER_PHONE not in got.text


@pytest.mark.parametrize("role", ROLES)
async def test_only_admins_find_a_volunteer_by_phone(private: Private, role: Role) -> None:
    """Searching by phone suffix would give masked digits away one at a time: only those
    who see phones whole may search by them."""
    world = private.world
    for suffix in (VOLUNTEER_PHONE, VOLUNTEER_PHONE[-5:], VOLUNTEER_PHONE[-4:]):
        found = await world.registry.get(
            "/volunteers",
            params={"community_id": world.community, "q": suffix},
            headers=world.headers(role),
        )
        assert found.status_code == 200, found.text
        ids = [v["id"] for v in found.json()["items"]]
        if role in WHOLE_TO:
            assert private.volunteer["id"] in ids, suffix
        else:
            assert ids == [], (role, suffix)


def assert_no_whole_phone(text: str, phones: list[str]) -> None:
    for phone in phones:
        assert phone not in text, f"a whole phone number {phone} left the service"


@pytest.mark.parametrize("service", ["registry", "activities", "requests"])
async def test_no_event_carries_a_whole_phone(private: Private, service: str) -> None:
    world = private.world
    events = await published_events(world.stack, service, world.community)
    assert events, "the module's writes published events"
    text = json.dumps(events, ensure_ascii=False)
    assert_no_whole_phone(text, private.phones)
    if service == "registry":
        masked = {e["data"].get("phone_masked") for e in events}
        assert {VOLUNTEER_MASKED, CHANGED_MASKED, IMPORTED_MASKED} <= masked
        types = {e["type"] for e in events}
        assert {
            "qise.volunteer.registered.v1",
            "qise.volunteer.updated.v1",
            "qise.volunteer.deactivated.v1",
            "qise.resident_unit.registered.v1",
        } <= types, types
    if service == "requests":
        assert len([e for e in events if e["subject"] == private.order["id"]]) >= 4


@pytest.mark.parametrize("service", ["registry", "requests"])
async def test_the_audit_log_carries_no_whole_phone(private: Private, service: str) -> None:
    world = private.world
    audit = await world.stack[service].get(
        "/audit", params={"community_id": world.community, "limit": 500}, headers=ADMIN
    )
    assert audit.status_code == 200, audit.text
    entries = audit.json()["items"]
    assert entries
    assert_no_whole_phone(audit.text, private.phones)
    # Each entry names its author: the `sub` of the token that made the change, or
    # "system" for what a service did on its own (a care task made from a life event).
    for entry in entries:
        made_by_itself = entry["type"].startswith("qise.care_task.")
        assert entry["actor"] == ("system" if made_by_itself else "tester"), entry


async def test_a_duplicate_phone_is_named_masked(private: Private) -> None:
    world = private.world
    again = await world.registry.post(
        "/volunteers/import",
        params={"community_id": world.community},
        files={"file": ("v.csv", f"name,phone\n重复,{VOLUNTEER_PHONE}\n".encode(), "text/csv")},
        headers=world.headers("community_admin"),
    )
    assert again.status_code == 200, again.text
    [error] = again.json()["errors"]
    assert VOLUNTEER_MASKED in error["detail"] and VOLUNTEER_PHONE not in error["detail"]
