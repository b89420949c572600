"""Two people on one record at the same moment, on PostgreSQL and on SQLite.

Each case releases two HTTP calls on one record together, again and again, and
checks that the outcome is that of some serial order of the two: the answers
agree with the final state, the loser (if any) is a 409 naming the current
state, the entity's events climb one version at a time without two events for
one version, and afterwards stats equals what the owning service holds.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from services.requests import domain as requests_domain
from shared.db import utcnow
from shared.uow import unit_of_work
from tests.api import create, create_team, create_volunteer, next_phone, published_events
from tests.conftest import ADMIN, Stack, eventually
from tests.integration.test_activities import activity_body, log
from tests.integration.test_resources import book, offer, slot
from tests.integration.test_stats import stats_agree

# Each case is released this many times: a race that is lost only now and then
# still shows within a run.
ROUNDS = 6
CONFLICT = 409


async def together(*calls: Awaitable[httpx.Response]) -> list[httpx.Response]:
    """Send the calls at the same moment; their answers in the order given."""
    return list(await asyncio.gather(*calls))


def codes(*answers: httpx.Response) -> list[int]:
    return [a.status_code for a in answers]


async def events_of(system: Stack, service: str, community: str, subject: str) -> list[Any]:
    return [
        e for e in await published_events(system, service, community) if e["subject"] == subject
    ]


async def now(client: httpx.AsyncClient, path: str) -> Any:
    """The entity at `path` as it stands, read by the county admin."""
    return (await client.get(path, headers=ADMIN)).json()


def verbs(events: list[dict[str, Any]]) -> list[str]:
    """What each event says happened: `logged` of qise.activity.logged.v1."""
    return [e["type"].split(".")[2] for e in events]


def climbs(events: list[dict[str, Any]]) -> list[int]:
    """The versions of an entity's events: strictly increasing, so never two for one version."""
    versions = [e["data"]["version"] for e in events]
    assert versions == sorted(set(versions)), f"versions out of step: {versions}"
    return versions


def lost(answer: httpx.Response, current: str | None = None) -> None:
    """A loser is told why, in problem+json, with the state it lost to."""
    assert answer.status_code == CONFLICT, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    if current is not None:
        assert answer.json().get("current_status") == current, answer.text


# -- activities -------------------------------------------------------------------------


@pytest.fixture
async def crew(system: Stack, place: str) -> dict[str, Any]:
    """A team with two volunteers, known to activities (one activity logged to prove it)."""
    registry = system["registry"]
    people = [await create_volunteer(registry, place, name=n) for n in ("王芳", "李强")]
    team = await create_team(registry, place, "orange")
    first = await log(system["activities"], activity_body(place, team, people))
    assert first.status_code == 201, first.text
    return {"team": team, "people": people}


async def logged(system: Stack, community: str, crew: dict[str, Any], **fields: Any) -> str:
    body = activity_body(community, crew["team"], crew["people"], **fields)
    return str((await create(system["activities"], "/activities", body))["id"])


async def test_verify_and_void_together(system: Stack, place: str, crew: dict[str, Any]) -> None:
    activities = system["activities"]
    for _ in range(ROUNDS):
        aid = await logged(system, place, crew)
        verify, void = await together(
            activities.post(f"/activities/{aid}/verify", headers=ADMIN),
            activities.post(f"/activities/{aid}/void", json={"reason": "登记重复"}, headers=ADMIN),
        )
        final = await now(activities, f"/activities/{aid}")
        # A void is legal from logged and from verified: it always wins, and last.
        assert void.status_code == 200, void.text
        assert final["status"] == "voided" and final["voided_by"] == "tester"
        events = await events_of(system, "activities", place, aid)
        types = verbs(events)
        if verify.status_code == 200:
            assert types == ["logged", "verified", "voided"]
        else:
            lost(verify, "voided")
            assert types == ["logged", "voided"]
        assert climbs(events) == list(range(1, len(events) + 1))
        assert events[-1]["data"]["status"] == "voided"
    await stats_agree(system, place)


async def test_two_verifications_or_two_voids_one_wins(
    system: Stack, place: str, crew: dict[str, Any]
) -> None:
    activities = system["activities"]
    for _ in range(ROUNDS):
        aid = await logged(system, place, crew)
        first, second = await together(
            activities.post(f"/activities/{aid}/verify", headers=ADMIN),
            activities.post(f"/activities/{aid}/verify", headers=ADMIN),
        )
        assert sorted(codes(first, second)) == [200, CONFLICT]
        lost(first if first.status_code == CONFLICT else second, "verified")
        reason = {"reason": "作废"}
        first, second = await together(
            activities.post(f"/activities/{aid}/void", json=reason, headers=ADMIN),
            activities.post(f"/activities/{aid}/void", json=reason, headers=ADMIN),
        )
        assert sorted(codes(first, second)) == [200, CONFLICT]
        events = await events_of(system, "activities", place, aid)
        assert verbs(events) == ["logged", "verified", "voided"]
        assert climbs(events) == [1, 2, 3]
    await stats_agree(system, place)


async def test_two_corrections_make_one_replacement(
    system: Stack, place: str, crew: dict[str, Any]
) -> None:
    activities = system["activities"]
    for round_ in range(ROUNDS):
        aid = await logged(system, place, crew)

        def correction(title: str) -> dict[str, Any]:
            body = activity_body(place, crew["team"], crew["people"], title=title)
            return {**body, "reason": "人数记错"}

        first, second = await together(
            activities.post(
                f"/activities/{aid}/correct", json=correction(f"甲{round_}"), headers=ADMIN
            ),
            activities.post(
                f"/activities/{aid}/correct", json=correction(f"乙{round_}"), headers=ADMIN
            ),
        )
        assert sorted(codes(first, second)) == [201, CONFLICT]
        winner, loser = (first, second) if first.status_code == 201 else (second, first)
        lost(loser, "voided")
        old = await now(activities, f"/activities/{aid}")
        assert old["status"] == "voided"
        assert old["corrected_by_activity_id"] == winner.json()["id"]
    # Hours never double: each volunteer has the first activity and one replacement a round.
    for person in crew["people"]:
        hours = await activities.get(f"/volunteer-hours/{person['id']}", headers=ADMIN)
        assert hours.json()["total_hours"] == 2 * (1 + ROUNDS)
    await stats_agree(system, place)


async def test_a_correction_and_a_verification_together(
    system: Stack, place: str, crew: dict[str, Any]
) -> None:
    activities = system["activities"]
    for _ in range(ROUNDS):
        aid = await logged(system, place, crew)
        body = {**activity_body(place, crew["team"], crew["people"]), "reason": "时间记错"}
        correct, verify = await together(
            activities.post(f"/activities/{aid}/correct", json=body, headers=ADMIN),
            activities.post(f"/activities/{aid}/verify", headers=ADMIN),
        )
        # Either order is legal for the correction; a verification after it finds a void.
        assert correct.status_code == 201, correct.text
        if verify.status_code != 200:
            lost(verify, "voided")
        events = await events_of(system, "activities", place, aid)
        assert events[-1]["data"]["status"] == "voided"
        climbs(events)
    await stats_agree(system, place)


async def test_issuing_one_certificate_twice_gives_one_number(
    system: Stack, place: str, crew: dict[str, Any]
) -> None:
    activities = system["activities"]
    aid = await logged(system, place, crew)
    verified = await activities.post(f"/activities/{aid}/verify", headers=ADMIN)
    assert verified.status_code == 200
    numbers = set()
    for person in crew["people"]:
        path = f"/volunteer-hours/{person['id']}/certificate"
        answers = await together(*(activities.post(path, headers=ADMIN) for _ in range(3)))
        assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
        issued = {a.json()["number"] for a in answers}
        assert len(issued) == 1, issued
        numbers |= issued
    assert len(numbers) == len(crew["people"]), "each volunteer's certificate has its own number"


async def test_ten_bookings_of_one_slot_one_wins(system: Stack, place: str) -> None:
    """However many ask for one time at once, one gets it; the others are told who has it."""
    activities = system["activities"]
    hall = await offer(activities, place)
    for round_ in range(ROUNDS):
        period = slot(8 + round_, hours=1)
        bookers = [book(activities, hall, place, period, ADMIN) for _ in range(10)]
        answers = await together(*bookers)
        assert sorted(codes(*answers)) == [201] + [CONFLICT] * 9, (round_, codes(*answers))
        winner = next(a for a in answers if a.status_code == 201).json()
        for answer in answers:
            if answer.status_code == CONFLICT:
                lost(answer)
                assert answer.json()["conflicting_booking_id"] == winner["id"]
    listed = await activities.get(f"/resources/{hall['id']}/bookings", headers=ADMIN)
    assert len(listed.json()["items"]) == ROUNDS
    booked = [
        e
        for e in await published_events(system, "activities", place)
        if e["type"] == "qise.resource.booked.v1"
    ]
    assert len(booked) == ROUNDS


# -- requests ---------------------------------------------------------------------------


async def team_in_requests(system: Stack, community: str, category: str = "orange") -> str:
    """A team of the registry, once the requests service routes its color's orders to it."""
    team = await create_team(
        system["registry"], community, category, name=f"{category}-{uuid.uuid4().hex[:6]}"
    )

    async def known() -> None:
        answer = await system["requests"].post(
            "/requests",
            json=order(community, service_kind=KINDS[category]),
            headers=ADMIN,
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["team_id"] == team["id"], "not routed yet"

    await eventually(known)
    return str(team["id"])


KINDS = {"orange": "elderly_care", "green": "environment"}


@pytest.fixture
async def orange_team(system: Stack, place: str) -> str:
    """The place's orange team, which the requests service routes its orders to."""
    return await team_in_requests(system, place)


def order(community: str, **fields: Any) -> dict[str, Any]:
    return {
        "community_id": community,
        "service_kind": "elderly_care",
        "description": "独居老人需要上门理发",
        "resident": {"name": "赵大爷", "phone": "13512345678"},
        "channel": "walk_in",
        "mode": "door_to_door",
        "paid": False,
        "urgency": "normal",
        **fields,
    }


async def routed_order(system: Stack, community: str) -> str:
    answer = await system["requests"].post("/requests", json=order(community), headers=ADMIN)
    assert answer.status_code == 201 and answer.json()["status"] == "assigned", answer.text
    return str(answer.json()["id"])


async def order_events(system: Stack, community: str, rid: str) -> list[Any]:
    events = await events_of(system, "requests", community, rid)
    climbs(events)
    return events


@pytest.mark.usefixtures("orange_team")
async def test_accept_and_cancel_together(system: Stack, place: str) -> None:
    requests = system["requests"]
    for _ in range(ROUNDS):
        rid = await routed_order(system, place)
        accept, cancel = await together(
            requests.post(f"/requests/{rid}/accept", headers=ADMIN),
            requests.post(f"/requests/{rid}/cancel", json={"reason": "居民取消"}, headers=ADMIN),
        )
        final = await now(requests, f"/requests/{rid}")
        # Cancelling is legal from assigned and from accepted: it always wins, and last.
        assert cancel.status_code == 200, cancel.text
        assert final["status"] == "cancelled"
        actions = [h["action"] for h in final["history"]]
        if accept.status_code == 200:
            assert actions == ["submit", "assign", "accept", "cancel"]
        else:
            lost(accept, "cancelled")
            assert actions == ["submit", "assign", "cancel"]
        events = await order_events(system, place, rid)
        assert events[-1]["data"]["status"] == "cancelled"
        assert len(events) == len(actions)
    await stats_agree(system, place)


@pytest.mark.usefixtures("orange_team")
async def test_complete_and_cancel_one_wins(system: Stack, place: str) -> None:
    requests = system["requests"]
    for _ in range(ROUNDS):
        rid = await routed_order(system, place)
        assert (await requests.post(f"/requests/{rid}/accept", headers=ADMIN)).status_code == 200
        complete, cancel = await together(
            requests.post(f"/requests/{rid}/complete", json={"note": "已理发"}, headers=ADMIN),
            requests.post(f"/requests/{rid}/cancel", json={"reason": "居民取消"}, headers=ADMIN),
        )
        assert sorted(codes(complete, cancel)) == [200, CONFLICT]
        final = await now(requests, f"/requests/{rid}")
        winner = "completed" if complete.status_code == 200 else "cancelled"
        assert final["status"] == winner
        lost(cancel if winner == "completed" else complete, winner)
        events = await order_events(system, place, rid)
        assert events[-1]["data"]["status"] == winner
    await stats_agree(system, place)


async def test_two_assignments_the_last_one_stands(system: Stack, place: str) -> None:
    requests = system["requests"]
    first_team = await team_in_requests(system, place)
    second_team = await team_in_requests(system, place)
    for _ in range(ROUNDS):
        rid = await routed_order(system, place)
        answers = await together(
            requests.post(f"/requests/{rid}/assign", json={"team_id": first_team}, headers=ADMIN),
            requests.post(f"/requests/{rid}/assign", json={"team_id": second_team}, headers=ADMIN),
        )
        assert codes(*answers) == [200, 200]
        final = await now(requests, f"/requests/{rid}")
        events = await order_events(system, place, rid)
        # The team the order ends with is the one the last event (and history entry) names.
        assert events[-1]["data"]["team_id"] == final["team_id"]
        assert final["team_id"] in (first_team, second_team)
        assert [h["action"] for h in final["history"]][-2:] == ["assign", "assign"]
        assert len(events) == len(final["history"])
    await stats_agree(system, place)


@pytest.mark.usefixtures("orange_team")
async def test_a_rating_is_given_once(system: Stack, place: str) -> None:
    requests = system["requests"]
    for _ in range(ROUNDS):
        rid = await routed_order(system, place)
        for step in ("accept", "complete"):
            assert (
                await requests.post(f"/requests/{rid}/{step}", json={}, headers=ADMIN)
            ).is_success
        first, second = await together(
            requests.post(f"/requests/{rid}/rate", json={"score": 5}, headers=ADMIN),
            requests.post(f"/requests/{rid}/rate", json={"score": 2}, headers=ADMIN),
        )
        assert sorted(codes(first, second)) == [200, CONFLICT]
        winner = first if first.status_code == 200 else second
        final = await now(requests, f"/requests/{rid}")
        assert final["rating"] == winner.json()["rating"]
        events = await order_events(system, place, rid)
        assert events[-1]["data"]["rating"] == final["rating"]
    await stats_agree(system, place)


@pytest.mark.usefixtures("orange_team")
async def test_the_scheduler_and_a_completion_together(system: Stack, place: str) -> None:
    requests = system["requests"]
    runtime = system.services["requests"].runtime

    async def scheduler_round() -> int:
        async with runtime.sessionmaker() as session, unit_of_work(session):
            later = utcnow() + timedelta(days=30)
            return await requests_domain.mark_overdue(session, later, "Asia/Shanghai")

    for _ in range(ROUNDS):
        rid = await routed_order(system, place)
        assert (await requests.post(f"/requests/{rid}/accept", headers=ADMIN)).status_code == 200
        complete, _ = await asyncio.gather(
            requests.post(f"/requests/{rid}/complete", json={}, headers=ADMIN), scheduler_round()
        )
        assert complete.status_code == 200, complete.text
        final = await now(requests, f"/requests/{rid}")
        assert final["status"] == "completed"
        events = await order_events(system, place, rid)
        types = verbs(events)
        # Marked overdue before the completion, or not at all: never after it.
        assert types[-1] == "completed", types
        assert events[-1]["data"]["overdue"] == final["overdue"]
    await stats_agree(system, place)


async def test_a_care_task_is_completed_once(system: Stack, place: str) -> None:
    registry, requests = system["registry"], system["requests"]
    member = await create_volunteer(
        registry, place, is_party_member=True, party_joined_on="1985-07-01"
    )
    for _ in range(ROUNDS):
        recorded = await registry.post(
            f"/volunteers/{member['id']}/life-events",
            json={"kind": "ill", "occurred_on": "2026-11-20"},
            headers=ADMIN,
        )
        assert recorded.status_code == 201, recorded.text

    async def tasks() -> list[Any]:
        listed = await requests.get(
            "/care-tasks", params={"community_id": place, "status": "open"}, headers=ADMIN
        )
        items = listed.json()["items"]
        assert len(items) == ROUNDS, items
        return list(items)

    for task in await eventually(tasks):
        path = f"/care-tasks/{task['id']}/complete"
        first, second = await together(
            requests.post(path, json={"note": "甲去探望"}, headers=ADMIN),
            requests.post(path, json={"note": "乙去探望"}, headers=ADMIN),
        )
        assert sorted(codes(first, second)) == [200, CONFLICT]
        winner = first if first.status_code == 200 else second
        events = await events_of(system, "requests", place, task["id"])
        assert climbs(events) == [1, 2]
        assert events[-1]["data"]["status"] == "done"
        assert winner.json()["note"] in ("甲去探望", "乙去探望")
    await stats_agree(system, place)


# -- registry ---------------------------------------------------------------------------


async def test_two_edits_of_one_volunteer_both_land(system: Stack, place: str) -> None:
    registry = system["registry"]
    for round_ in range(ROUNDS):
        person = await create_volunteer(registry, place, name="原名")
        path = f"/volunteers/{person['id']}"
        rename, birth = await together(
            registry.patch(path, json={"name": f"新名{round_}"}, headers=ADMIN),
            registry.patch(path, json={"birth_year": 1970 + round_}, headers=ADMIN),
        )
        final = (await registry.get(path, headers=ADMIN)).json()
        for answer, field, value in (
            (rename, "name", f"新名{round_}"),
            (birth, "birth_year", 1970 + round_),
        ):
            if answer.status_code == 200:
                assert final[field] == value
            else:
                lost(answer)
        events = await events_of(system, "registry", place, person["id"])
        assert climbs(events) == list(range(1, len(events) + 1))
        last = events[-1]["data"]
        assert (last["name"], last["birth_year"]) == (final["name"], final["birth_year"])
    await stats_agree(system, place)


async def test_two_deactivations_one_wins(system: Stack, place: str) -> None:
    registry = system["registry"]
    for _ in range(ROUNDS):
        person = await create_volunteer(registry, place)
        path = f"/volunteers/{person['id']}/deactivate"
        answers = await together(
            registry.post(path, json={"reason": "搬走了"}, headers=ADMIN),
            registry.post(path, json={"reason": "不再参加"}, headers=ADMIN),
        )
        assert sorted(codes(*answers)) == [200, CONFLICT]
        events = await events_of(system, "registry", place, person["id"])
        assert [e["type"] for e in events][-1] == "qise.volunteer.deactivated.v1"
        assert climbs(events) == [1, 2]
    await stats_agree(system, place)


async def test_an_edit_and_an_erasure_of_one_volunteer(system: Stack, place: str) -> None:
    """The edit lands before the erasure (both 200), or after it finds the person erased
    (409, `erased`): never a name written back over the erasure."""
    registry = system["registry"]
    for round_ in range(ROUNDS):
        person = await create_volunteer(registry, place, name="原名")
        path = f"/volunteers/{person['id']}"
        edit, erase = await together(
            registry.patch(path, json={"name": f"新名{round_}"}, headers=ADMIN),
            registry.post(f"{path}/erase", json={"reason": "本人申请"}, headers=ADMIN),
        )
        assert erase.status_code == 200, erase.text
        if edit.status_code != 200:
            lost(edit, "erased")
        final = (await registry.get(path, headers=ADMIN)).json()
        assert final["name"] == "已删除的志愿者" and final == erase.json()
        events = await events_of(system, "registry", place, person["id"])
        assert climbs(events) == list(range(1, len(events) + 1))
        assert events[-1]["type"] == "qise.volunteer.erased.v1"
    await stats_agree(system, place)


async def test_two_erasures_of_one_volunteer_erase_once(system: Stack, place: str) -> None:
    registry = system["registry"]
    for _ in range(ROUNDS):
        person = await create_volunteer(registry, place)
        path = f"/volunteers/{person['id']}/erase"
        answers = await together(
            registry.post(path, json={"reason": "本人申请"}, headers=ADMIN),
            registry.post(path, json={"reason": "家属代为申请"}, headers=ADMIN),
        )
        assert codes(*answers) == [200, 200]
        assert answers[0].json() == answers[1].json()
        events = await events_of(system, "registry", place, person["id"])
        assert [e["type"] for e in events] == [
            "qise.volunteer.registered.v1",
            "qise.volunteer.erased.v1",
        ]
        assert climbs(events) == [1, 2]
    await stats_agree(system, place)


async def test_a_rename_and_a_deactivation_of_one_team(system: Stack, place: str) -> None:
    registry = system["registry"]
    for round_ in range(ROUNDS):
        team = await create_team(registry, place, "green", name=f"绿队{round_}")
        rename, deactivate = await together(
            registry.patch(f"/teams/{team['id']}", json={"name": f"绿色{round_}"}, headers=ADMIN),
            registry.post(f"/teams/{team['id']}/deactivate", headers=ADMIN),
        )
        assert codes(rename, deactivate) == [200, 200]
        final = await now(registry, f"/teams/{team['id']}")
        assert (final["name"], final["status"]) == (f"绿色{round_}", "inactive")
        events = await events_of(system, "registry", place, team["id"])
        assert climbs(events) == [1, 2, 3]
        assert (events[-1]["data"]["name"], events[-1]["data"]["status"]) == (
            final["name"],
            final["status"],
        )
    await stats_agree(system, place)


async def test_membership_changes_together(system: Stack, place: str) -> None:
    registry = system["registry"]
    team = await create_team(registry, place, "purple")
    for _ in range(ROUNDS):
        person = await create_volunteer(registry, place)
        join = {"volunteer_id": person["id"]}
        members = f"/teams/{team['id']}/members"
        answers = await together(
            registry.post(members, json=join, headers=ADMIN),
            registry.post(members, json=join, headers=ADMIN),
        )
        assert sorted(codes(*answers)) == [201, CONFLICT]
        add, remove = await together(
            registry.post(members, json=join, headers=ADMIN),
            registry.delete(f"{members}/{person['id']}", headers=ADMIN),
        )
        listed = await registry.get(
            "/volunteers", params={"community_id": place, "team_id": team["id"]}, headers=ADMIN
        )
        member_now = person["id"] in [v["id"] for v in listed.json()["items"]]
        # Serial orders: add (409, already in) then remove (204): not a member; or
        # remove (204) then add (201): a member again.
        assert remove.status_code == 204, remove.text
        assert member_now == (add.status_code == 201)
        if add.status_code != 201:
            lost(add)
    await stats_agree(system, place)


async def test_one_phone_or_one_team_name_registered_once(system: Stack, place: str) -> None:
    registry = system["registry"]
    for round_ in range(ROUNDS):
        body = {"community_id": place, "name": "重复者", "phone": next_phone()}
        answers = await together(
            registry.post("/volunteers", json=body, headers=ADMIN),
            registry.post("/volunteers", json=body, headers=ADMIN),
        )
        assert sorted(codes(*answers)) == [201, CONFLICT]
        team = {"community_id": place, "category": "red", "name": f"红色先锋{round_}"}
        answers = await together(
            registry.post("/teams", json=team, headers=ADMIN),
            registry.post("/teams", json=team, headers=ADMIN),
        )
        assert sorted(codes(*answers)) == [201, CONFLICT]
    await stats_agree(system, place)


# -- catalogs: communities, categories, kinds of activity and of service -------------------


async def test_catalog_entries_are_created_once(system: Stack, place: str) -> None:
    registry, activities = system["registry"], system["activities"]
    for _ in range(ROUNDS):
        code = f"k{uuid.uuid4().hex[:8]}"
        community = {"id": code, "name": "新社区", "branch": "测试大支部"}
        category = {"code": code, "name": "新颜色"}
        kind = {"code": code, "name": "新活动"}
        for client, path, body in (
            (registry, "/communities", community),
            (registry, "/categories", category),
            (activities, "/activity-kinds", kind),
        ):
            answers = await together(
                client.post(path, json=body, headers=ADMIN),
                client.post(path, json=body, headers=ADMIN),
            )
            assert sorted(codes(*answers)) == [201, CONFLICT], [a.text for a in answers]


async def test_a_category_renamed_while_deleted(system: Stack, place: str) -> None:
    registry = system["registry"]
    for _ in range(ROUNDS):
        code = f"k{uuid.uuid4().hex[:8]}"
        made = await registry.post(
            "/categories", json={"code": code, "name": "旧名"}, headers=ADMIN
        )
        assert made.status_code == 201, made.text
        rename, delete = await together(
            registry.patch(f"/categories/{code}", json={"name": "新名"}, headers=ADMIN),
            registry.delete(f"/categories/{code}", headers=ADMIN),
        )
        assert delete.status_code == 204, delete.text
        # Renamed, then deleted; or deleted first, and the rename finds nothing.
        assert rename.status_code in (200, 404), rename.text
        listed = (await registry.get("/categories", headers=ADMIN)).json()
        assert code not in [c["code"] for c in listed]


async def test_one_service_kind_put_twice(system: Stack, place: str) -> None:
    requests = system["requests"]
    for _ in range(ROUNDS):
        code = f"k{uuid.uuid4().hex[:8]}"
        answers = await together(
            requests.put(
                f"/service-kinds/{code}", json={"name": "代买", "category": "orange"}, headers=ADMIN
            ),
            requests.put(
                f"/service-kinds/{code}", json={"name": "代购", "category": "gold"}, headers=ADMIN
            ),
        )
        # A PUT is idempotent: both land in some order (or one loses with a 409).
        assert all(a.status_code in (200, CONFLICT) for a in answers), [a.text for a in answers]
        assert 200 in codes(*answers)
        kinds = {k["code"]: k for k in (await requests.get("/service-kinds", headers=ADMIN)).json()}
        assert kinds[code]["name"] in {a.json()["name"] for a in answers if a.status_code == 200}
        # Each routing is one version of the kind; the newest names the routing that stands.
        events = await events_of(system, "requests", "*", code)
        assert climbs(events) == list(range(1, len(events) + 1))
        assert events[-1]["data"]["name"] == kinds[code]["name"]
