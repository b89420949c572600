"""Shared resources (资源联享) through the activities API: offering, booking inside the
opening hours and never twice for one time, sharing within a branch, and the booking
shown on the activity it is for."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from services.activities.models import Community
from tests.api import create, create_community, create_team, create_volunteer, published_events
from tests.conftest import ADMIN, Stack, auth
from tests.integration.test_activities import activity_body, log
from tests.security.world import known, slug

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2031, 1, 6)
OPEN_DAILY = [{"weekday": d, "from": "08:00", "to": "18:00"} for d in range(1, 8)]


def slot(start_hour: float, hours: float = 2, day: date = MONDAY) -> dict[str, str]:
    """A period on a day, in the deployment's time zone (where opening hours are)."""
    start = datetime.combine(day, time(), SHANGHAI) + timedelta(hours=start_hour)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=hours)).isoformat(),
    }


def admin_of(community: str) -> dict[str, str]:
    return auth("community_admin", [community], sub=f"admin-{community}")


async def offer(
    client: httpx.AsyncClient, community: str, *, shared: bool = False, **fields: Any
) -> dict[str, Any]:
    body = {
        "community_id": community,
        "kind": "hall",
        "name": "党群服务中心多功能厅",
        "description": "可容纳80人，有投影",
        "capacity": 80,
        "availability": OPEN_DAILY,
        "shared_with_branch": shared,
        **fields,
    }
    return await create(client, "/resources", body, admin_of(community))


async def book(
    client: httpx.AsyncClient,
    resource: dict[str, Any],
    community: str,
    period: dict[str, str],
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> httpx.Response:
    body = {"community_id": community, **period, "purpose": "重阳节文艺演出排练", **fields}
    return await client.post(
        f"/resources/{resource['id']}/bookings", json=body, headers=headers or admin_of(community)
    )


async def branch_of(stack: Stack, branch: str, count: int) -> list[str]:
    """Fresh communities of one branch, known to activities."""
    ids = [
        await create_community(stack["registry"], slug("b"), "联享社区", branch)
        for _ in range(count)
    ]
    for community in ids:
        await known(stack, "activities", Community, community)
    return ids


async def test_offer_list_and_read(stack: Stack, community: str) -> None:
    activities = stack["activities"]
    resource = await offer(activities, community, owner_unit_id="unit-42", kind="vehicle")
    assert resource["availability"][0] == {"weekday": 1, "from": "08:00", "to": "18:00"}
    assert (resource["owner_unit_id"], resource["active"], resource["version"]) == (
        "unit-42",
        True,
        1,
    )
    listed = await activities.get(
        "/resources", params={"community_id": community, "kind": "vehicle"}, headers=ADMIN
    )
    assert [r["id"] for r in listed.json()["items"]] == [resource["id"]]
    read = await activities.get(f"/resources/{resource['id']}", headers=admin_of(community))
    assert read.json() == resource
    [event] = await published_events(stack, "activities", community)
    assert event["type"] == "qise.resource.offered.v1" and event["data"]["version"] == 1
    assert event["data"]["availability"][0]["from"] == "08:00"


async def test_a_window_closes_after_it_opens(stack: Stack, community: str) -> None:
    body = {
        "community_id": community,
        "kind": "hall",
        "name": "活动室",
        "availability": [{"weekday": 1, "from": "18:00", "to": "08:00"}],
    }
    answer = await stack["activities"].post("/resources", json=body, headers=ADMIN)
    assert answer.status_code == 422, answer.text


async def test_book_overlap_refused_and_cancel_frees_the_time(stack: Stack, community: str) -> None:
    activities = stack["activities"]
    hall = await offer(activities, community)
    first = await book(activities, hall, community, slot(10))
    assert first.status_code == 201, first.text
    assert first.json()["resource_name"] == hall["name"]
    overlapping = await book(activities, hall, community, slot(11))
    assert overlapping.status_code == 409, overlapping.text
    assert overlapping.headers["content-type"].startswith("application/problem+json")
    assert overlapping.json()["conflicting_booking_id"] == first.json()["id"]
    # Half-open periods: one may start as the other ends.
    after = await book(activities, hall, community, slot(12))
    assert after.status_code == 201, after.text

    cancelled = await activities.post(
        f"/bookings/{first.json()['id']}/cancel", headers=admin_of(community)
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await activities.post(
        f"/bookings/{first.json()['id']}/cancel", headers=admin_of(community)
    )
    assert again.status_code == 409, again.text
    assert (await book(activities, hall, community, slot(10))).status_code == 201

    listed = await activities.get(
        f"/resources/{hall['id']}/bookings",
        params={"from": str(MONDAY), "to": str(MONDAY)},
        headers=ADMIN,
    )
    statuses = sorted(b["status"] for b in listed.json()["items"])
    assert statuses == ["booked", "booked", "cancelled"]
    elsewhere = await activities.get(
        f"/resources/{hall['id']}/bookings",
        params={"from": str(MONDAY + timedelta(days=1))},
        headers=ADMIN,
    )
    assert elsewhere.json()["items"] == []
    types = [
        (e["type"], e["data"]["version"])
        for e in await published_events(stack, "activities", community)
        if e["subject"] == first.json()["id"]
    ]
    assert types == [("qise.resource.booked.v1", 1), ("qise.booking.cancelled.v1", 2)]


async def test_outside_the_opening_hours_is_422(stack: Stack, community: str) -> None:
    activities = stack["activities"]
    weekdays = [{"weekday": d, "from": "08:00", "to": "18:00"} for d in range(1, 6)]
    hall = await offer(activities, community, availability=weekdays)
    for period in (
        slot(17, 2),  # runs past closing
        slot(7, 2),  # starts before opening
        slot(10, 2, day=MONDAY + timedelta(days=5)),  # a Saturday: closed
        slot(10, 24),  # over two days
    ):
        answer = await book(activities, hall, community, period)
        assert answer.status_code == 422, (period, answer.text)
    backwards = {"starts_at": slot(12)["ends_at"], "ends_at": slot(12)["starts_at"]}
    assert (await book(activities, hall, community, backwards)).status_code == 422


async def test_sharing_within_the_branch(stack: Stack) -> None:
    activities = stack["activities"]
    owner, neighbour = await branch_of(stack, f"联享大支部 {slug('x')}", 2)
    [stranger] = await branch_of(stack, f"别的大支部 {slug('y')}", 1)
    shared = await offer(activities, owner, shared=True, name="社区服务车", kind="vehicle")
    private = await offer(activities, owner, name="会议室")

    listed = await activities.get("/resources", headers=admin_of(neighbour))
    assert [r["id"] for r in listed.json()["items"]] == [shared["id"]]
    assert (
        await activities.get(f"/resources/{shared['id']}", headers=admin_of(neighbour))
    ).is_success
    by_owner = await activities.get(
        "/resources", params={"community_id": owner}, headers=admin_of(neighbour)
    )
    assert [r["id"] for r in by_owner.json()["items"]] == [shared["id"]]

    # A neighbour of the branch books what is shared; its leaders may too, not its volunteers.
    booked = await book(activities, shared, neighbour, slot(9))
    assert booked.status_code == 201, booked.text
    assert booked.json()["resource_community_id"] == owner
    leader = auth("team_leader", [neighbour], sub="leader-of-neighbour")
    assert (await book(activities, shared, neighbour, slot(14), leader)).status_code == 201
    volunteer = auth("volunteer", [neighbour], sub="volunteer-of-neighbour")
    assert (await book(activities, shared, neighbour, slot(16), volunteer)).status_code == 403
    # ... but not for the owner's name, nor what the owner keeps to itself.
    as_owner = await book(activities, shared, owner, slot(16), admin_of(neighbour))
    assert as_owner.status_code == 403, as_owner.text
    assert (await book(activities, private, neighbour, slot(9))).status_code == 404
    assert (
        await activities.get(f"/resources/{private['id']}", headers=admin_of(neighbour))
    ).status_code == 404
    # A county admin books only for communities of the resource's branch.
    refused = await book(activities, shared, stranger, slot(16), ADMIN)
    assert refused.status_code == 403, refused.text

    # Another branch sees neither.
    assert (await activities.get("/resources", headers=admin_of(stranger))).json()["items"] == []
    assert (await book(activities, shared, stranger, slot(16))).status_code == 404
    listed = await activities.get(
        "/resources", params={"community_id": owner}, headers=admin_of(stranger)
    )
    assert listed.status_code == 404

    # The owner sees the neighbour's booking and may cancel it; the stranger may not.
    cancel = f"/bookings/{booked.json()['id']}/cancel"
    assert (await activities.post(cancel, headers=admin_of(stranger))).status_code == 404
    assert (await activities.post(cancel, headers=admin_of(owner))).status_code == 200
    events = await published_events(stack, "activities", neighbour)
    assert [e["type"] for e in events if e["subject"] == booked.json()["id"]] == [
        "qise.resource.booked.v1",
        "qise.booking.cancelled.v1",
    ]


async def test_change_and_deactivate(stack: Stack) -> None:
    activities = stack["activities"]
    owner, neighbour = await branch_of(stack, f"联享大支部 {slug('x')}", 2)
    hall = await offer(activities, owner, shared=True)
    path = f"/resources/{hall['id']}"
    refused = await activities.patch(path, json={"name": "别人的厅"}, headers=admin_of(neighbour))
    assert refused.status_code == 403, refused.text
    changed = await activities.patch(
        path, json={"shared_with_branch": False, "capacity": 60}, headers=admin_of(owner)
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["shared_with_branch"], changed.json()["capacity"]) == (False, 60)
    assert (await activities.get(path, headers=admin_of(neighbour))).status_code == 404
    deactivated = await activities.post(f"{path}/deactivate", headers=admin_of(owner))
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False
    assert (await book(activities, hall, owner, slot(10))).status_code == 409
    assert (await activities.post(f"{path}/deactivate", headers=admin_of(owner))).status_code == 409
    events = [
        e for e in await published_events(stack, "activities", owner) if e["subject"] == hall["id"]
    ]
    assert [(e["type"], e["data"]["version"]) for e in events] == [
        ("qise.resource.offered.v1", 1),
        ("qise.resource.changed.v1", 2),
        ("qise.resource.changed.v1", 3),
    ]
    assert events[-1]["data"]["active"] is False


async def test_the_booking_shows_on_its_activity(stack: Stack, community: str) -> None:
    activities, registry = stack["activities"], stack["registry"]
    people = [await create_volunteer(registry, community, name="王芳")]
    team = await create_team(registry, community, "purple")
    logged = await log(activities, activity_body(community, team, people, title="广场舞比赛"))
    assert logged.status_code == 201, logged.text
    activity = logged.json()
    assert activity["bookings"] == []
    hall = await offer(activities, community)
    booked = await book(activities, hall, community, slot(9), activity_id=activity["id"])
    assert booked.status_code == 201, booked.text
    assert booked.json()["activity_id"] == activity["id"]
    shown = (await activities.get(f"/activities/{activity['id']}", headers=ADMIN)).json()
    assert shown["bookings"] == [
        {
            "booking_id": booked.json()["id"],
            "resource_id": hall["id"],
            "resource_name": hall["name"],
            "starts_at": booked.json()["starts_at"],
            "ends_at": booked.json()["ends_at"],
        }
    ]
    listed = await activities.get("/activities", params={"community_id": community}, headers=ADMIN)
    assert listed.json()["items"][0]["bookings"] == shown["bookings"]
    # An activity of another community, or one unknown, is no activity to book for.
    other = await book(activities, hall, community, slot(14), activity_id=hall["id"])
    assert other.status_code == 422, other.text
    # Cancelled, it no longer shows.
    await activities.post(f"/bookings/{booked.json()['id']}/cancel", headers=ADMIN)
    shown = (await activities.get(f"/activities/{activity['id']}", headers=ADMIN)).json()
    assert shown["bookings"] == []
